import type { ParameterizedContext } from 'koa';
import { toKeyWire } from '../admin/wire.ts';
import { seeOther } from '../http/see_other.ts';
import type { ConsoleDeps } from './deps.ts';
import { actorOf, renderPage } from './session.ts';

export function listKeys(deps: ConsoleDeps) {
  return async (ctx: ParameterizedContext) => {
    const notice = ctx.query.done === 'rotated' ? 'New keys are published; they sign once the publishing period is over.' : undefined;
    await renderPage(ctx, 'console_keys', 'keys', { keys: (await deps.keyAdmin.list()).map(toKeyWire), notice });
  };
}

export const confirmRotateKeys = () => (ctx: ParameterizedContext) =>
  renderPage(ctx, 'console_confirm', 'keys', {
    title: 'Rotate the keys',
    question: 'Start a rotation of the signing and cookie keys?',
    consequence:
      'New keys are published now and take over once every process and application has seen them; the current ones keep verifying until their tokens and sessions have expired. Nobody is signed out.',
    action: '/admin/keys/rotate',
    button: 'Start the rotation',
    back: '/admin/keys',
  });

export function rotateKeys(deps: ConsoleDeps) {
  return async (ctx: ParameterizedContext) => {
    await deps.keyAdmin.rotate({}, actorOf(ctx));
    seeOther(ctx, '/admin/keys?done=rotated');
  };
}
