/** The add form: one URL field; the server's refusal (bad URL, already in use) is shown under it. */
import { useState, type FormEvent } from 'react';
import { Field } from '../../components/field';
import { useAction } from '../../lib/use-action';
import { addBackend } from './api';

export function AddBackendForm({ onAdded }: { readonly onAdded: (url: string) => void }) {
  const [url, setUrl] = useState('');
  const { busy, error, run } = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    run(
      () => addBackend(url),
      (res) => {
        setUrl('');
        onAdded(res.url);
      },
    );
  };
  return (
    <form className="card add-backend" onSubmit={submit}>
      <Field label="Add a backend" hint="An http(s) origin, e.g. http://10.0.0.5:8000. Every gateway on this store uses it within a second.">
        {({ id, describedBy }) => (
          <div className="input-with-button">
            <input id={id} aria-describedby={describedBy} name="url" type="text" inputMode="url" autoComplete="off" spellCheck={false} value={url} onChange={(e) => setUrl(e.target.value)} placeholder="http://gpu5:8000" />
            <button type="submit" className="btn btn-primary" disabled={busy || url.trim() === ''}>
              {busy ? 'Adding…' : 'Add'}
            </button>
          </div>
        )}
      </Field>
      {error !== undefined && (
        <div className="banner banner-error" role="alert">
          {error}
        </div>
      )}
    </form>
  );
}
