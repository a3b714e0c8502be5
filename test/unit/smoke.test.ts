import t from 'tap'
t.test('a', async (t) => { t.equal(1, 1); t.test('nested', async (t) => { t.ok(true); t.ok(true) }) })
t.equal(2, 2)
