import { app } from '@azure/functions';
import { httpFunctionOptions } from '../api/function-options.js';

app.http('deleteInventory', httpFunctionOptions('deleteInventory'));
