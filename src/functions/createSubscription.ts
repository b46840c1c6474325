import { app } from '@azure/functions';
import { httpFunctionOptions } from '../api/function-options.js';

app.http('createSubscription', httpFunctionOptions('createSubscription'));
