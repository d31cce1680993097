import { ApiClient, ApiFailure } from './api-client.js';
import { element, errorText } from './dom.js';
import { currentLanguage, setLanguage } from './i18n.js';
import { StatusPanel } from './status-panel.js';
import { SynthesisPanel } from './synthesis-panel.js';
import { VoicesPanel } from './voices-panel.js';

const TOKEN_KEY = 'cosyvoice-playground-token';

const tokenInput = element('token', HTMLInputElement);
const tokenMessage = element('token-message', HTMLParagraphElement);
const languageToggle = element('language-toggle', HTMLButtonElement);

tokenInput.value = sessionStorage.getItem(TOKEN_KEY) ?? '';
const api = new ApiClient(() => tokenInput.value.trim());

/** A refused token is shown at the token field; other errors where they happened. */
function reportFailure(error: unknown): void {
  if (error instanceof ApiFailure && error.code === 'Unauthorized') {
    tokenMessage.textContent = errorText(error);
    tokenInput.setAttribute('aria-invalid', 'true');
    return;
  }
  tokenMessage.textContent = errorText(error);
}

const status = new StatusPanel(api);
const synthesis = new SynthesisPanel(api, reportFailure);
const voices = new VoicesPanel(
  api,
  (list) => synthesis.setVoices(list),
  reportFailure,
  (uploaded) => synthesis.selectVoice(uploaded.id),
);

async function reloadVoices(): Promise<void> {
  tokenMessage.textContent = '';
  tokenInput.removeAttribute('aria-invalid');
  await voices.load();
}

tokenInput.addEventListener('change', () => {
  sessionStorage.setItem(TOKEN_KEY, tokenInput.value.trim());
  void reloadVoices();
});

function showLanguage(): void {
  const language = currentLanguage();
  document.documentElement.lang = language === 'zh' ? 'zh-CN' : 'en';
  languageToggle.textContent = language === 'zh' ? 'English' : '中文';
  status.render();
  voices.render();
}

languageToggle.addEventListener('click', () => {
  setLanguage(currentLanguage() === 'zh' ? 'en' : 'zh');
  showLanguage();
});

showLanguage();
status.start();
void reloadVoices();
