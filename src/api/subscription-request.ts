import { z } from 'zod';
import { SEVERITIES } from '../domain/types.js';

/**
 * The request body of `POST /api/subscriptions`. Strict objects: an unknown field is an
 * error, not silently dropped, so a typo in a filter never turns into "notify about all".
 * Later API versions extend this shape; they must not break it.
 */
const TeamsChannelRequest = z.strictObject({
  type: z.literal('teams'),
  webhookUrl: z.string().min(1).max(2048),
});

const EmailChannelRequest = z.strictObject({
  type: z.literal('email'),
  address: z.email().max(254),
  frequency: z.enum(['instant', 'daily', 'weekly']).default('instant'),
  hourUtc: z.number().int().min(0).max(23).optional(),
  weekday: z.number().int().min(0).max(6).optional(),
  heartbeat: z.boolean().optional(),
});

const InventoryRequest = z.strictObject({
  name: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
      'letters, digits, dot, dash, underscore; at most 64',
    ),
  content: z.string().min(1),
});

const Globs = z.array(z.string().min(1).max(200)).max(100);

export const CreateSubscriptionRequest = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    lines: z
      .array(z.string().regex(/^\d+\.\d+$/, 'a release line such as 3.0'))
      .min(1)
      .max(10),
    channels: z
      .array(z.discriminatedUnion('type', [TeamsChannelRequest, EmailChannelRequest]))
      .min(1)
      .max(10),
    inventories: z.array(InventoryRequest).min(1).max(50),
    filters: z
      .strictObject({
        minSeverity: z.enum(SEVERITIES).optional(),
        include: Globs.optional(),
        exclude: Globs.optional(),
        onlyWithCves: z.boolean().optional(),
      })
      .default({}),
  })
  .refine((r) => new Set(r.inventories.map((i) => i.name)).size === r.inventories.length, {
    message: 'inventory names must be unique',
    path: ['inventories'],
  });

export type CreateSubscriptionRequest = z.output<typeof CreateSubscriptionRequest>;
