// Warns staff two minutes before an inactive session ends (WCAG 2.2.1 Timing
// Adjustable) and lets them extend it without losing their work.
const box = document.getElementById('session-timeout')
if (box) {
  const minutes = Number(box.dataset.minutes)
  const warnAfter = Math.max(minutes - 2, 0) * 60 * 1000
  let warnTimer
  let endTimer
  const schedule = () => {
    clearTimeout(warnTimer)
    clearTimeout(endTimer)
    box.hidden = true
    warnTimer = setTimeout(() => {
      box.hidden = false
      document.getElementById('stay-signed-in').focus()
    }, warnAfter)
    endTimer = setTimeout(() => {
      window.location.href = box.dataset.signout
    }, minutes * 60 * 1000)
  }
  document.getElementById('stay-signed-in').addEventListener('click', async () => {
    const response = await fetch(box.dataset.keepalive, {
      method: 'POST',
      headers: { 'X-CSRFToken': box.dataset.csrf },
      credentials: 'same-origin'
    })
    if (response.ok) schedule()
  })
  schedule()
}
