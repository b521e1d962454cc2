// Phone layout (arna.css): a table's rows become cards, so each cell is labelled with its
// column's heading. No other script runs; pages work the same without it.
document.querySelectorAll("table").forEach(function (table) {
  var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
    return th.textContent.trim();
  });
  table.querySelectorAll("tbody tr").forEach(function (row) {
    Array.prototype.forEach.call(row.children, function (cell, i) {
      if (heads[i] && cell.colSpan === 1) cell.setAttribute("data-label", heads[i]);
    });
  });
});
