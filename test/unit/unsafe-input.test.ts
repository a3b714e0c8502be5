// test-scope: no-database (pure code: CI runs it once, in the PGlite pass)
import t from 'tap'
import { filenameFault, sanitizeFilename } from '../../src/lib/files.ts'
import { activeContent } from '../../src/modules/tickets/attachments.ts'

t.test('filenameFault: separators and control characters, nothing else', async (t) => {
  t.equal(filenameFault('Фактура №5.pdf'), null)
  t.equal(filenameFault('..report:v2?.pdf'), null, 'what sanitizeFilename cleans harmlessly is no fault')
  t.match(filenameFault('a/b.txt'), /path separator \//)
  t.match(filenameFault('a\\b.txt'), /path separator \\/)
  t.equal(filenameFault('tab\there.txt'), 'contains the control character U+0009')
  t.equal(filenameFault('c1\u0085.txt'), 'contains the control character U+0085')
  t.equal(filenameFault('photo\u202egpj.exe\u202e'), 'contains the control character U+202E', 'each character named once')
  t.equal(sanitizeFilename('c1\u0085\u009f.txt'), 'c1.txt', 'C1 controls are removed from mail names too')
})

t.test('activeContent reads tags as the sanitiser does', async (t) => {
  t.same(activeContent('<p>Hi <b>there</b> <a href="https://x.example/a?javascript:1" title="javascript: is text">x</a></p>'), [], 'formatting, https links, text')
  t.same(activeContent('<p style="color:red"><font>x</font><img src="http://x.example/a.png"><img src="cid:logo"></p>'), [], 'what is cleaned silently')
  t.same(activeContent('<SCRIPT>x</SCRIPT><Frame src=x><applet></applet>'), ['a <script> element', 'a <frame> element', 'a <applet> element'])
  t.same(activeContent('<a HREF="&#x6A;ava\tscript&colon;x">x</a>'), ['a javascript: URL in the href of <a>'], 'entities, case, tabs')
  t.same(activeContent('<form action="vbscript:x"><button formaction="javascript:x">go</button></form>'), [
    'a vbscript: URL in the action of <form>',
    'a javascript: URL in the formaction of <button>',
  ])
  t.same(activeContent('<body onload="x()"><div OnClick="y()">'), ['an onload event-handler attribute on <body>', 'an onclick event-handler attribute on <div>'])
  t.same(activeContent('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><!-- <script>x</script> -->'), [], 'escaped and commented-out markup is text')
  t.same(activeContent('<style>p{}</style><textarea><script>x</script></textarea>'), [], 'raw text is not markup')
})
