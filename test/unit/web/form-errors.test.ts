import { describe, expect, it } from 'vitest';
import { parseWith } from '../../../src/api/http.js';
import { Filters, PatchSubscriptionRequest } from '../../../src/api/schemas.js';
import {
  AppError,
  ConfigError,
  ConflictError,
  ForbiddenError,
  InputError,
  NotFoundError,
  TooLargeError,
} from '../../../src/errors.js';
import { packageUpgradeCommand } from '../../../src/notify/summary.js';
import { fieldErrors, isFormError } from '../../../src/web/form-errors.js';

/** What the API's own validation throws for this input (real zod messages, not copies). */
function refusal(parse: () => unknown): AppError {
  try {
    parse();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('the input was accepted');
}

const address = { id: 'add-address', label: 'Email address' };
const webhook = { id: 'add-webhook', label: 'Teams webhook URL' };
const byField = (path: string) =>
  path.endsWith('.address') ? address : path.endsWith('.webhookUrl') ? webhook : undefined;

describe("a form's problems in words, beside their fields", () => {
  it('turns the API paths and zod messages into the form fields and plain words', () => {
    const email = refusal(() =>
      parseWith(PatchSubscriptionRequest, { channels: [{ type: 'email', address: 'a@b' }] }),
    );
    // The API's own answer names the JSON path, which no form shows.
    expect(email.message).toMatch(/^channels\.0\.address: /);
    expect(fieldErrors(email, byField, webhook)).toEqual([
      {
        field: 'add-address',
        label: 'Email address',
        message: 'is not an email address (it looks like name@example.com)',
      },
    ]);
    const empty = refusal(() =>
      parseWith(PatchSubscriptionRequest, { channels: [{ type: 'teams', webhookUrl: '' }] }),
    );
    expect(fieldErrors(empty, byField, address)).toEqual([
      { field: 'add-webhook', label: 'Teams webhook URL', message: 'is empty: fill it in' },
    ]);
    const level = refusal(() => parseWith(Filters, { minSeverity: 'severe' }));
    expect(fieldErrors(level, () => undefined, { id: 'f-min', label: 'Minimum level' })).toEqual([
      {
        field: 'f-min',
        label: 'Minimum level',
        message: 'must be one of any, unknown, low, medium, high, critical',
      },
    ]);
  });

  it('quotes the value a problem is about, and keeps messages that already read well', () => {
    const glob = refusal(() => parseWith(Filters, { exclude: ['kernel*', 'bad glob!'] }));
    const field = { id: 'f-exclude', label: 'Except these packages' };
    expect(fieldErrors(glob, () => ({ ...field, quote: 'bad glob!' }), field)[0]?.message).toBe(
      '“bad glob!” must be a package-name glob such as openssl* or kernel-*',
    );
    // No path: the whole message, on the field the form names for it.
    const line = new InputError('expected name-version-release.arch, got "x"', { line: 2 });
    expect(fieldErrors(line, () => undefined, { id: 'inv-text', label: 'Pasted' })).toEqual([
      {
        field: 'inv-text',
        label: 'Pasted',
        message: 'line 2: expected name-version-release.arch, got "x"',
      },
    ]);
  });

  it('re-renders the form only for what the person can fix in it', () => {
    expect(isFormError(new InputError('bad'))).toBe(true);
    expect(isFormError(new ConflictError('changed meanwhile'))).toBe(true);
    expect(isFormError(new TooLargeError('too big'))).toBe(true);
    // A refused session or CSRF token, or a fault, keeps its own error page.
    expect(isFormError(new ForbiddenError('csrf'))).toBe(false);
    expect(isFormError(new NotFoundError('gone'))).toBe(false);
    expect(isFormError(new ConfigError('misconfigured'))).toBe(false);
    expect(isFormError(new Error('bug'))).toBe(false);
  });
});

describe('the package upgrade command', () => {
  it('names each package once, sorted, for tdnf with fresh metadata', () => {
    expect(packageUpgradeCommand(['sudo', 'openssh-server', 'openssh', 'sudo'])).toBe(
      'sudo tdnf upgrade --refresh openssh openssh-server sudo',
    );
  });
});
