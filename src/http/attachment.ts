// File downloads: the body with a Content-Disposition that every browser reads, whatever the
// file name holds (an ASCII fallback, and the exact name in UTF-8 for those that take it).

export function attachment(
  body: ConstructorParameters<typeof Response>[0],
  filename: string,
  contentType = 'application/octet-stream',
): Response {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return new Response(body, {
    headers: {
      'content-type': contentType,
      'content-disposition': `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(filename)}`,
      'cache-control': 'no-store',
    },
  });
}
