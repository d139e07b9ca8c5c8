/** Entry point: styles, then the app into #root. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import 'uplot/dist/uPlot.min.css';
import '../styles/base.css';
import '../styles/layout.css';
import '../styles/components.css';
import '../styles/features.css';
import { App } from './app';

const root = document.getElementById('root');
if (root === null) throw new Error('#root is missing from index.html');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
