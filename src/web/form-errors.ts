import { AppError } from '../errors.js';

/**
 * A form that failed, as the overview shows it again: what was typed, kept, and each problem
 * next to the field it is about, in the words of the form's labels. The API's errors name
 * fields by their path in a JSON request (`channels.2.webhookUrl`), which nobody filling in a
 * form has seen; each form says which of its fields a path means.
 */
export interface FormState {
  form: 'channel' | 'inventory' | 'filters';
  /** The submitted text fields by name, shown again as they were typed. */
  values: Record<string, string>;
  errors: FieldError[];
}

export interface FieldError {
  /** The element id of the field, for the message beside it and the link to it. */
  field: string;
  label: string;
  message: string;
}

/** A form field: its element id and its label as the page shows it. */
export interface Field {
  id: string;
  label: string;
}

/**
 * Whether an error is the person's to fix in the form (bad or clashing input, too large, a
 * race to retry): those re-render the form. Anything else (a session or CSRF refusal, a server
 * fault) keeps its own page.
 */
export function isFormError(err: unknown): err is AppError {
  return (
    err instanceof AppError &&
    err.status >= 400 &&
    err.status < 500 &&
    ![401, 403, 404].includes(err.status)
  );
}

/**
 * The error's problems by field. `fieldOf` maps an API path to the form's field (and may name
 * the value the problem is about, e.g. the one glob of a list, which the message then quotes);
 * problems without a path, or with one the form does not know, go to `fallback`.
 */
export function fieldErrors(
  err: AppError,
  fieldOf: (path: string) => (Field & { quote?: string }) | undefined,
  fallback: Field,
): FieldError[] {
  const problems = err.details.length ? err.details : [{ path: '', message: err.message }];
  return problems.map(({ path, message }) => {
    const field: Field & { quote?: string } = (path && fieldOf(path)) || fallback;
    const quote = field.quote === undefined ? '' : `“${field.quote}” `;
    return { field: field.id, label: field.label, message: quote + inWords(message) };
  });
}

/**
 * Validation messages as a person would say them. zod's defaults are written for developers
 * ("Too small: expected string to have >=1 characters"); the product's own messages already
 * read well and pass through.
 */
export function inWords(message: string): string {
  const rules: [RegExp, (m: RegExpExecArray) => string][] = [
    [/^Too small: expected string to have >=1 characters?$/, () => 'is empty: fill it in'],
    [
      /^Too small: expected string to have >=(\d+) characters?$/,
      (m) => `is too short: at least ${m[1]} characters`,
    ],
    [
      /^Too big: expected string to have <=(\d+) characters?$/,
      (m) => `is too long: at most ${m[1]} characters`,
    ],
    [/^Too small: expected array to have >=(\d+) items?$/, () => 'is empty: fill it in'],
    [
      /^Too big: expected array to have <=(\d+) items?$/,
      (m) => `has too many entries: at most ${m[1]}`,
    ],
    [/^Invalid email address$/, () => 'is not an email address (it looks like name@example.com)'],
    [
      /^Invalid option: expected one of (.+)$/,
      (m) => `must be one of ${(m[1] ?? '').replace(/"/g, '').split('|').join(', ')}`,
    ],
    [/^Invalid discriminator value.*$/, () => 'choose one of the options'],
    [/^Invalid input: expected \w+, received undefined$/, () => 'is missing'],
    [/^duplicate channel$/, () => 'is already a channel of this subscription'],
    [/^webhook URL (.+)$/, (m) => m[1] ?? ''],
  ];
  for (const [pattern, say] of rules) {
    const m = pattern.exec(message);
    if (m) return say(m);
  }
  return message;
}
