import { app } from '@azure/functions';
import { httpFunctionOptions } from '../api/function-options.js';

export const options = httpFunctionOptions('patchInventory');

app.http('patchInventory', options);
