import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { updateProfile } from '../account/profile.ts';
import { parseForm, text } from '../http/form.ts';
import { seeOther } from '../http/see_other.ts';
import { personTextFrom } from '../person_text.ts';
import type { AccountAreaDeps } from './deps.ts';
import { accountOf, requireAccountCsrf } from './session.ts';

const nameForm = z.object({ csrf: text(200), name: text(200) });

/** POST /account/name — the person's own name, released as the name claim; empty removes it. */
export function changeName(deps: AccountAreaDeps) {
  return async (ctx: ParameterizedContext) => {
    const { csrf, name } = parseForm(ctx, nameForm);
    requireAccountCsrf(deps, ctx, csrf);
    const trimmed = name.trim();
    await updateProfile(deps.accounts, deps.clock, accountOf(ctx).account, { name: trimmed === '' ? null : personTextFrom(trimmed, 200) });
    seeOther(ctx, '/account?done=name-changed');
  };
}
