import { app } from '@azure/functions';
import { httpFunctionOptions } from '../api/function-options.js';

app.http('putDefaultInventory', httpFunctionOptions('putDefaultInventory'));
