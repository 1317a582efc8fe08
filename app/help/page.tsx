import type { Metadata } from 'next';
import {
  advancedRegistrationFields,
  basicRegistrationFields,
  ddiProviderGlossary,
  registrationGlossary,
  registrationNotes,
  type GlossaryEntry,
} from '@/lib/glossary';
import { requirePage } from '@/lib/auth/require-page';

export const metadata: Metadata = { title: 'Help' };

const otherRegistrationFields = (Object.keys(registrationGlossary) as (keyof typeof registrationGlossary)[]).filter(
  (k) => !(basicRegistrationFields as readonly string[]).includes(k) && !(advancedRegistrationFields as readonly string[]).includes(k),
);

function Glossary({ entries, prefix }: { entries: [string, GlossaryEntry][]; prefix: string }) {
  return (
    <dl className="glossary">
      {entries.map(([key, e]) => (
        <div key={key} id={`${prefix}-${key}`} className="glossary-entry">
          <dt>{e.label}</dt>
          <dd>
            <p>{e.help}</p>
            {e.example ? (
              <p className="muted">
                Example: <code>{e.example}</code>
              </p>
            ) : null}
          </dd>
        </div>
      ))}
    </dl>
  );
}

const pick = (keys: readonly (keyof typeof registrationGlossary)[]) =>
  keys.map((k) => [k, registrationGlossary[k]] as [string, GlossaryEntry]);

export default async function HelpPage() {
  await requirePage();
  return (
    <article className="help">
      <h1>Help</h1>
      <p className="lead">
        Some providers need an active SIP REGISTER to deliver incoming calls to our DDIs, and a few also to accept our outgoing calls. Each
        registration below keeps one such account registered.
      </p>
      <aside className="note" aria-labelledby="help-peering">
        <h2 id="help-peering">Peering first</h2>
        <p>{registrationNotes.peering}</p>
      </aside>

      <section aria-labelledby="help-registration">
        <h2 id="help-registration">Registration fields</h2>
        <h3>Basic</h3>
        <Glossary entries={[...pick(otherRegistrationFields.filter((k) => k !== 'enabled')), ...pick(basicRegistrationFields)]} prefix="registration" />
        <h3>Advanced</h3>
        <aside className="note note-quiet">
          <p>{registrationNotes.advancedTip}</p>
        </aside>
        <Glossary entries={pick(advancedRegistrationFields)} prefix="registration" />
        <h3>On and off</h3>
        <Glossary entries={pick(otherRegistrationFields.filter((k) => k === 'enabled'))} prefix="registration" />
      </section>

      <section aria-labelledby="help-provider">
        <h2 id="help-provider">DDI provider fields</h2>
        <Glossary entries={Object.entries(ddiProviderGlossary)} prefix="provider" />
      </section>
    </article>
  );
}
