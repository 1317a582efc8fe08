'use client';

import { useId, useRef, useState } from 'react';

/**
 * The clear token right after creation, in a read-only field with a copy button. It is in this
 * component's props only: the server keeps just its hash, so it cannot be shown again.
 */
export function NewTokenNotice({ name, token, onDone }: { name: string; token: string; onDone: () => void }) {
  const id = `token-${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`;
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<string | null>(null);

  const copy = async () => {
    input.current?.select();
    try {
      await navigator.clipboard.writeText(token);
      setCopied('Copied to the clipboard.');
    } catch {
      setCopied('Copying is not allowed here: the token is selected, press Ctrl+C (⌘C).');
    }
  };

  return (
    <section className="note new-token" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Token “{name}” created</h3>
      <p id={`${id}-warning`}>
        <strong>Copy it now: you will not see it again.</strong> Only its first characters are kept for display; if it is lost, revoke it
        and create another.
      </p>
      <div className="field">
        <label htmlFor={id} className="field-label">
          New API token
        </label>
        <div className="copy-row">
          <input
            ref={input}
            id={id}
            type="text"
            readOnly
            value={token}
            className="mono"
            spellCheck={false}
            aria-describedby={`${id}-warning`}
            onFocus={(e) => e.currentTarget.select()}
          />
          <button type="button" className="button" onClick={copy}>
            Copy
          </button>
        </div>
        <p role="status" className="hint">
          {copied}
        </p>
      </div>
      <button type="button" className="button button-small" onClick={onDone}>
        I have copied it
      </button>
    </section>
  );
}
