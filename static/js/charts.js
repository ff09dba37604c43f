// Draws every <canvas data-chart="ID"> from the JSON in <script id="ID">.
// Kept as a static file so pages need no inline script (CSP without 'unsafe-inline').
(function () {
  'use strict'
  if (typeof window.Chart === 'undefined') return

  // Error bars (confidence intervals) for bar and line charts: drawn after the datasets.
  const errorBars = {
    id: 'appErrorBars',
    afterDatasetsDraw (chart) {
      const bars = chart.config.options.appErrorBars
      if (!bars) return
      const { ctx, scales } = chart
      const meta = chart.getDatasetMeta(0)
      const yScale = scales.y
      ctx.save()
      ctx.strokeStyle = '#0b0c0c'
      ctx.lineWidth = 2
      bars.forEach((bar, i) => {
        const point = meta.data[i]
        if (!bar || bar.low == null || bar.high == null || !point) return
        const x = point.x
        const top = yScale.getPixelForValue(bar.high)
        const bottom = yScale.getPixelForValue(bar.low)
        ctx.beginPath()
        ctx.moveTo(x, top); ctx.lineTo(x, bottom)
        ctx.moveTo(x - 6, top); ctx.lineTo(x + 6, top)
        ctx.moveTo(x - 6, bottom); ctx.lineTo(x + 6, bottom)
        ctx.stroke()
      })
      ctx.restore()
    }
  }

  const palette = ['#1d70b8', '#f47738', '#00703c', '#4c2c92', '#d4351c', '#505a5f', '#912b88', '#28a197']

  document.querySelectorAll('canvas[data-chart]').forEach((canvas) => {
    const source = document.getElementById(canvas.dataset.chart)
    if (!source) return
    const spec = JSON.parse(source.textContent)
    const data = spec.data || { labels: [], datasets: [] }
    data.datasets.forEach((dataset, i) => {
      const colour = palette[i % palette.length]
      dataset.backgroundColor = dataset.backgroundColor || colour
      dataset.borderColor = dataset.borderColor || colour
    })
    const options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, spec.options || {})
    if (spec.errorBars) options.appErrorBars = spec.errorBars
    canvas.chart = new window.Chart(canvas, { type: spec.type || 'bar', data, options, plugins: [errorBars] })
    canvas.dataset.rendered = 'true'
  })
})()
