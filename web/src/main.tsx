// Entry point: one API client, one session store, the app.
import { render } from 'preact';
import { FetchApiClient } from './api/client';
import { App } from './app';
import { SessionStore } from './shell/session_store';
import './styles/app.css';

const store = new SessionStore(new FetchApiClient());
const root = document.getElementById('app');
if (root) render(<App store={store} />, root);
