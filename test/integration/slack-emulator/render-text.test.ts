/** renderMessageText: Block Kit → readable text for goldens and the local demo. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderMessageText } from '../../../src/playground/slack-emulator/render-text.ts';

describe('renderMessageText', () => {
  test('renders headers, sections with fields, context, dividers and buttons', () => {
    const text = renderMessageText({
      text: 'fallback',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'Restart agent-3?' } },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: '*Host* agent-3' },
          fields: [{ type: 'mrkdwn', text: '*Tasks* 4' }, { type: 'mrkdwn', text: '*Age* 3d' }],
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'requested by <@U0ALICE001>' }, { type: 'mrkdwn', text: 'job 17' }] },
        { type: 'divider' },
        {
          type: 'actions',
          elements: [
            { type: 'button', action_id: 'confirm', text: { type: 'plain_text', text: 'Confirm' }, style: 'danger' },
            { type: 'button', action_id: 'cancel', text: { type: 'plain_text', text: 'Cancel' } },
          ],
        },
        { type: 'video' },
      ],
    });
    assert.equal(
      text,
      [
        '== Restart agent-3? ==',
        '*Host* agent-3',
        '  *Tasks* 4',
        '  *Age* 3d',
        'requested by <@U0ALICE001>  job 17',
        '---',
        '[ Confirm ] [ Cancel ]',
        '[video]',
      ].join('\n'),
    );
  });

  test('falls back to text when there are no blocks', () => {
    assert.equal(renderMessageText({ text: 'plain *text*' }), 'plain *text*');
    assert.equal(renderMessageText({ text: 'x', blocks: [] }), 'x');
  });

  test('renders a section accessory button on its own line', () => {
    const text = renderMessageText({
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Job 5 failed' }, accessory: { type: 'button', text: { type: 'plain_text', text: 'Retry' } } }],
    });
    assert.equal(text, 'Job 5 failed\n[ Retry ]');
  });
});
