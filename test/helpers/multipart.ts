/** One part of a multipart/form-data body: a field, or a file when `filename` is given (sent as written, unescaped). */
export interface FormPart {
  name: string
  value: string | Buffer
  filename?: string
}

/** A multipart/form-data request: the payload and its content-type header, for app.inject. */
export function multipartRequest(parts: readonly FormPart[], boundary = 'FORM-BOUNDARY') {
  const chunks = parts.flatMap((p) => {
    const disposition = `form-data; name="${p.name}"${p.filename === undefined ? '' : `; filename="${p.filename}"`}`
    const type = p.filename === undefined ? '' : 'Content-Type: application/octet-stream\r\n'
    return [Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`), Buffer.from(p.value), Buffer.from('\r\n')]
  })
  return { payload: Buffer.concat([...chunks, Buffer.from(`--${boundary}--\r\n`)]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}
