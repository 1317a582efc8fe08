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
import { LOCAL_CAUSE_HINTS, SIP_CODE_HINTS } from '@/lib/client/outcome-hints';
import { stateGlossary } from '@/lib/glossary';
import { LOCAL_CAUSES, LOCAL_CAUSE_EXPLANATIONS, REGISTRATION_STATES } from '@/registrar/domain/vocabulary';

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

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

const pick = (keys: readonly (keyof typeof registrationGlossary)[]) =>
  keys.map((k) => [k, registrationGlossary[k]] as [string, GlossaryEntry]);

export default async function HelpPage() {
  await requirePage();
  return (
    <article className="help">
      <h1>Help</h1>
      <p className="lead">
        Some providers need an active SIP REGISTER to deliver incoming calls to our DDIs, and a few also to accept our outgoing calls. Each
        registration (listed on the dashboard and under Registrations) keeps one such account registered. Below: what each field means, then
        the states a registration goes through and the causes shown when it fails.
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

      <section aria-labelledby="help-states">
        <h2 id="help-states">States</h2>
        <Glossary entries={REGISTRATION_STATES.map((s) => [s, { label: s, help: stateGlossary[s] }])} prefix="state" />
      </section>

      <section aria-labelledby="help-causes">
        <h2 id="help-causes">Causes</h2>
        <p>
          When a REGISTER fails, the registration shows the provider&apos;s answer (a SIP code such as <code>401 Unauthorized</code>) or, when no
          usable answer came, one of the causes below. Both come with what to check.
        </p>
        <h3>SIP answers</h3>
        <Glossary
          entries={Object.entries(SIP_CODE_HINTS).map(([code, hint]) => [code, { label: code, help: hint }])}
          prefix="sip"
        />
        <h3>Local causes</h3>
        <Glossary
          entries={LOCAL_CAUSES.map((c) => [
            c,
            { label: c, help: [capitalize(LOCAL_CAUSE_EXPLANATIONS[c]), LOCAL_CAUSE_HINTS[c]].filter(Boolean).join('. ') },
          ])}
          prefix="cause"
        />
      </section>
    </article>
  );
}
