// Prints "tests: N passed, N failed, N skipped" from a JUnit XML report.
const [reportPath] = process.argv.slice(2);
if (!reportPath) throw new Error('usage: bun scripts/junit-summary.ts REPORT.xml');
const xml = await Bun.file(reportPath).text();
const suites = /<testsuites\b[^>]*>/.exec(xml)?.[0] ?? '';
const count = (name: string) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(suites)?.[1] ?? 0);
const total = count('tests');
const failed = count('failures') + count('errors');
const skipped = count('skipped');
console.log(`tests: ${total - failed - skipped} passed, ${failed} failed, ${skipped} skipped`);
