/**
 * The playground: paste a key, pick a model variant and an endpoint dialect, and stream a chat
 * through /v1 exactly as a client would. The key stays in this page's memory only.
 */
import { useState, type FormEvent } from 'react';
import { Field } from '../../components/field';
import { PageHeader } from '../../components/page-header';
import { EmptyState } from '../../components/states';
import { DIALECT_LABELS, VARIANT_LABELS, modelForVariant, type Dialect, type Variant } from './chat-request';
import { fetchModels } from './models';
import { Transcript } from './transcript';
import { useChat } from './use-chat';

const VARIANTS: Variant[] = ['normal', 'nonthinking', 'max'];
const DIALECTS: Dialect[] = ['openai', 'anthropic'];

/** The playground page. */
export function PlaygroundPage() {
  const [apiKey, setApiKey] = useState('');
  const [showKey, setShowKey] = useState(false);
  const [model, setModel] = useState('');
  /** The models the key's /v1/models listed, offered in the model field. */
  const [models, setModels] = useState<readonly string[]>([]);
  const [modelNote, setModelNote] = useState<string | undefined>();
  const [variant, setVariant] = useState<Variant>('normal');
  const [dialect, setDialect] = useState<Dialect>('openai');
  const [maxTokens, setMaxTokens] = useState(1024);
  const [system, setSystem] = useState('');
  const [prompt, setPrompt] = useState('');
  const chat = useChat();

  const detect = async (key: string): Promise<string | undefined> => {
    setModelNote('Looking up the models…');
    try {
      const listed = await fetchModels(key);
      // A model already chosen among them stays; else the first.
      const live = listed.includes(model.trim()) ? model.trim() : (listed[0] as string);
      setModels(listed);
      setModel(live);
      setModelNote(undefined);
      return live;
    } catch (err) {
      setModelNote(err instanceof Error ? err.message : String(err));
      return undefined;
    }
  };

  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    const text = prompt.trim();
    if (text === '' || chat.streaming || apiKey.trim() === '') return;
    const liveModel = model.trim() !== '' ? model.trim() : await detect(apiKey.trim());
    if (liveModel === undefined) return;
    setPrompt('');
    await chat.send(text, { apiKey: apiKey.trim(), model: liveModel, variant, dialect, maxTokens, system });
  };

  const ready = apiKey.trim() !== '';
  return (
    <>
      <PageHeader title="Playground" description="Stream a chat through /v1 with one of your API keys, as any client would. Requests count towards that key's usage." />
      <div className="playground">
        <section className="card playground-settings" aria-label="Request settings">
          <Field label="API key" hint="Kept in this tab only; never stored.">
            {({ id, describedBy }) => (
              <span className="input-with-button">
                <input
                  id={id}
                  aria-describedby={describedBy}
                  name="api-key"
                  type={showKey ? 'text' : 'password'}
                  autoComplete="off"
                  spellCheck={false}
                  placeholder="Paste a key"
                  value={apiKey}
                  onChange={(e) => setApiKey(e.target.value)}
                  onBlur={() => {
                    if (apiKey.trim() !== '' && model === '') void detect(apiKey.trim());
                  }}
                />
                <button type="button" className="btn btn-small" onClick={() => setShowKey((v) => !v)} aria-pressed={showKey}>
                  {showKey ? 'Hide' : 'Show'}
                </button>
              </span>
            )}
          </Field>
          <Field label="Model" hint={<span role="status">{modelNote ?? (model !== '' ? <>Sends <code>{modelForVariant(model, variant)}</code>{models.length > 1 && ` · ${models.length} models listed: pick another in the field`}</> : '\u00a0')}</span>}>
            {({ id, describedBy }) => (
              <span className="input-with-button">
                <input
                  id={id}
                  aria-describedby={describedBy}
                  name="model"
                  value={model}
                  spellCheck={false}
                  placeholder="Detected from /v1/models"
                  list={`${id}-models`}
                  onChange={(e) => setModel(e.target.value)}
                />
                <datalist id={`${id}-models`}>
                  {models.map((m) => (
                    <option key={m} value={m} />
                  ))}
                </datalist>
                <button type="button" className="btn btn-small" disabled={!ready} onClick={() => void detect(apiKey.trim())}>
                  Detect
                </button>
              </span>
            )}
          </Field>
          <fieldset className="field">
            <legend className="field-label">Thinking mode</legend>
            <div className="segmented">
              {VARIANTS.map((v) => (
                <label key={v} className="segment">
                  <input type="radio" name="variant" value={v} checked={variant === v} onChange={() => setVariant(v)} />
                  <span>{VARIANT_LABELS[v]}</span>
                </label>
              ))}
            </div>
          </fieldset>
          <fieldset className="field">
            <legend className="field-label">Endpoint</legend>
            <div className="segmented">
              {DIALECTS.map((d) => (
                <label key={d} className="segment">
                  <input type="radio" name="dialect" value={d} checked={dialect === d} onChange={() => setDialect(d)} />
                  <span>{DIALECT_LABELS[d]}</span>
                </label>
              ))}
            </div>
            <span className="field-hint">
              <code>{dialect === 'openai' ? 'POST /v1/chat/completions' : 'POST /v1/messages'}</code>
            </span>
          </fieldset>
          <label className="field">
            <span className="field-label">Max output tokens</span>
            <input name="max-tokens" type="number" min={1} step={1} value={maxTokens} onChange={(e) => setMaxTokens(Math.max(1, Math.floor(Number(e.target.value) || 1)))} />
          </label>
          <label className="field">
            <span className="field-label">System prompt (optional)</span>
            <textarea name="system" rows={3} value={system} onChange={(e) => setSystem(e.target.value)} />
          </label>
        </section>
        <section className="card playground-chat" aria-label="Chat">
          {chat.exchanges.length === 0 ? (
            <EmptyState title={ready ? 'Ask something' : 'Paste an API key to start'}>
              <p>The answer streams token by token; reasoning, when the model thinks, is shown apart from the answer.</p>
            </EmptyState>
          ) : (
            <Transcript exchanges={chat.exchanges} />
          )}
          <form className="composer" onSubmit={(e) => void submit(e)}>
            <label className="visually-hidden" htmlFor="prompt">
              Message
            </label>
            <textarea
              id="prompt"
              name="prompt"
              rows={3}
              placeholder={ready ? 'Message (Ctrl+Enter to send)' : 'Paste an API key first'}
              value={prompt}
              onChange={(e) => setPrompt(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void submit();
              }}
            />
            <div className="composer-actions">
              <button type="button" className="btn" onClick={chat.clear} disabled={chat.exchanges.length === 0}>
                Clear
              </button>
              {chat.streaming ? (
                <button type="button" className="btn btn-danger" onClick={chat.stop}>
                  Stop
                </button>
              ) : (
                <button type="submit" className="btn btn-primary" disabled={!ready || prompt.trim() === ''}>
                  Send
                </button>
              )}
            </div>
          </form>
        </section>
      </div>
    </>
  );
}
