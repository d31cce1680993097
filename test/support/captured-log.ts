/** A log destination for startTestApp that keeps the service's log output as it wrote it. */
export class CapturedLog {
  text = '';

  write(chunk: string): void {
    this.text += chunk;
  }
}
