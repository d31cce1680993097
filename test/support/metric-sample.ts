/** The value of one Prometheus series (`name` or `name{label="value"}`) at `/metrics`; 0 if absent. */
export async function metricSample(baseUrl: string, series: string): Promise<number> {
  const response = await fetch(`${baseUrl}/metrics`);
  for (const line of (await response.text()).split('\n')) {
    const split = line.lastIndexOf(' ');
    if (!line.startsWith('#') && line.slice(0, split) === series) {
      return Number(line.slice(split + 1));
    }
  }
  return 0;
}
