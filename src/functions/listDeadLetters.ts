import { app } from '@azure/functions';
import { httpFunctionOptions } from '../api/function-options.js';

export const options = httpFunctionOptions('listDeadLetters');

app.http('listDeadLetters', options);
