import { app } from '@azure/functions';
import { httpFunctionOptions } from '../api/function-options.js';

export const options = httpFunctionOptions('unsubscribe');

app.http('unsubscribe', options);
