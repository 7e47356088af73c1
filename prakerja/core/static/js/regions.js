// Progressive enhancement: show only the regencies of the chosen province. Without
// JavaScript every regency is listed, grouped by province, and the server checks the pair.
(function () {
  var province = document.getElementById("id_province");
  var regency = document.getElementById("id_regency");
  if (!province || !regency) return;
  var groups = Array.prototype.slice.call(regency.querySelectorAll("optgroup"));
  function filter() {
    var chosen = province.options[province.selectedIndex];
    var name = chosen ? chosen.text : "";
    groups.forEach(function (group) {
      var show = !province.value || group.label === name;
      group.hidden = !show;
      group.disabled = !show;
    });
    var selected = regency.options[regency.selectedIndex];
    if (selected && selected.parentNode.disabled) regency.value = "";
  }
  province.addEventListener("change", filter);
  filter();
})();
