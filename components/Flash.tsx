'use client';

import { useEffect, useState } from 'react';
import { takeFlash } from '@/lib/client/flash';

/** Shows (once) the notice left by the previous page, e.g. after a save. */
export function Flash() {
  const [msg, setMsg] = useState<string | null>(null);
  useEffect(() => {
    // read once; a second effect run (React strict mode) finds nothing and keeps the message
    const m = takeFlash();
    if (m !== null) setMsg(m);
  }, []);
  return (
    <div role="status" aria-live="polite" className="flash-region">
      {msg ? (
        <p className="alert alert-success">
          {msg}{' '}
          <button type="button" className="link-button" onClick={() => setMsg(null)}>
            Dismiss
          </button>
        </p>
      ) : null}
    </div>
  );
}
