import type { ApiClient, Readiness } from './api-client.js';
import { element } from './dom.js';
import { t } from './i18n.js';

const POLL_MS = 15_000;

/** Model state and device from `/ready`, and the test-pack banner. */
export class StatusPanel {
  private readonly status = element('model-status', HTMLParagraphElement);
  private readonly banner = element('test-pack-banner', HTMLParagraphElement);
  private last: Readiness | 'unreachable' | undefined;

  constructor(private readonly api: ApiClient) {}

  start(): void {
    void this.refresh();
    window.setInterval(() => void this.refresh(), POLL_MS);
  }

  async refresh(): Promise<void> {
    try {
      this.last = await this.api.readiness();
    } catch {
      this.last = 'unreachable';
    }
    this.render();
  }

  render(): void {
    const readiness = this.last;
    if (readiness === undefined) {
      this.status.textContent = t('modelChecking');
      return;
    }
    if (readiness === 'unreachable') {
      this.status.textContent = t('serviceUnreachable');
      this.banner.hidden = true;
      return;
    }
    const model = readiness.checks.model;
    this.status.textContent =
      model?.status === 'ok'
        ? t('modelReady', { device: model.device ?? '?' })
        : t('modelNotLoaded', { reason: model?.error ?? '?' });
    this.banner.hidden = model?.test_pack !== true;
    this.banner.textContent = t('testPack');
  }
}
