'use client';

import { useEffect, useLayoutEffect, useRef, useState } from 'react';

type Props = {
  /** id of the help text element; inputs point at it with aria-describedby. */
  helpId: string;
  label: string;
  help: string;
  example?: string;
};

/**
 * A "?" toggletip next to a field label. It opens above the label (globals.css), never over the
 * field's input, so tabbing on to the input or typing leaves the input visible; when there is no
 * room above in the window, the page scrolls just enough to show it.
 * Opens on hover and on focus; Enter/Space/click toggle it
 * (a click keeps it open after the pointer leaves); Escape, blur or a click elsewhere close it. The help text element always exists in the DOM (hidden while
 * closed) so that `aria-describedby` on the input can always reference it.
 */
export function HelpTip({ helpId, label, help, example }: Props) {
  const [open, setOpen] = useState(false);
  const [pinned, setPinned] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const wrapRef = useRef<HTMLSpanElement>(null);
  const popoverRef = useRef<HTMLSpanElement>(null);

  useLayoutEffect(() => {
    if (!open) return;
    const top = popoverRef.current?.getBoundingClientRect().top ?? 0;
    if (top < 0) window.scrollBy({ top: top - 8 });
  }, [open]);

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        setPinned(false);
      }
    };
    const onPointer = (e: PointerEvent) => {
      if (wrapRef.current && !wrapRef.current.contains(e.target as Node)) {
        setOpen(false);
        setPinned(false);
      }
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, [open, pinned]);

  return (
    <span className="helptip" ref={wrapRef}>
      <button
        ref={buttonRef}
        type="button"
        className="helptip-button"
        aria-label={`Help: ${label}`}
        aria-expanded={open}
        aria-controls={`${helpId}-popover`}
        onClick={() => {
          if (pinned) {
            setPinned(false);
            setOpen(false);
          } else {
            setPinned(true);
            setOpen(true);
          }
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => {
          // leaving the button closes the tip, so it never covers the next field
          setOpen(false);
          setPinned(false);
        }}
        onMouseEnter={() => setOpen(true)}
        onMouseLeave={() => {
          if (!pinned && document.activeElement !== buttonRef.current) setOpen(false);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.stopPropagation();
            setOpen(false);
            setPinned(false);
          }
        }}
      >
        ?
      </button>
      <span ref={popoverRef} id={`${helpId}-popover`} role="tooltip" className="helptip-popover" hidden={!open}>
        {/* only the glossary text carries the id, so the input's description is exactly that text */}
        <span id={helpId} className="helptip-text">
          {help}
        </span>
        {example ? <span className="helptip-example"> Example: {example}</span> : null}
      </span>
    </span>
  );
}
