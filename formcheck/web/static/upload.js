// Upload page: pick or drop a clip, send it with a progress bar, then go to its analysis page.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("upload");
  if (!form) return;
  const input = form.querySelector("input[type=file]");
  const bar = document.getElementById("upload-progress");
  const status = document.getElementById("upload-status");
  const maxBytes = Number(form.dataset.maxBytes);
  form.classList.add("js");

  const say = (text, isError = false) => {
    status.textContent = text;
    status.classList.toggle("error", isError);
  };
  const ready = () => {
    form.classList.remove("busy");
    bar.hidden = true;
    input.value = "";
  };

  const send = (file) => {
    if (!file) return;
    if (file.size > maxBytes) {
      say(`${file.name} is larger than this server's limit of ${form.dataset.maxText} — trim the clip or export it at a lower resolution`, true);
      input.value = "";
      return;
    }
    const data = new FormData();
    data.append("file", file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/analyses");
    xhr.responseType = "json";
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (event) => {
      if (!event.lengthComputable) return;
      bar.value = event.loaded / event.total;
      say(`Uploading ${file.name} … ${Math.floor((100 * event.loaded) / event.total)} %`);
    });
    xhr.upload.addEventListener("load", () => say("Checking that it is a video …"));
    xhr.addEventListener("load", () => {
      const answer = xhr.response || {};
      if (xhr.status === 202 && answer.page_url) {
        say("Uploaded. Opening the analysis …");
        window.location.assign(answer.page_url);
        return;
      }
      ready();
      say(answer.detail ? String(answer.detail) : `The upload was refused (HTTP ${xhr.status}) — try again`, true);
    });
    xhr.addEventListener("error", () => {
      ready();
      say("The upload was cut off — check the connection and try again", true);
    });
    form.classList.add("busy");
    bar.hidden = false;
    bar.value = 0;
    say(`Uploading ${file.name} …`);
    xhr.send(data);
  };

  input.addEventListener("change", () => send(input.files[0]));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send(input.files[0]);
  });
  for (const type of ["dragenter", "dragover"]) {
    form.addEventListener(type, (event) => {
      event.preventDefault();
      form.classList.add("over");
    });
  }
  for (const type of ["dragleave", "drop"]) {
    form.addEventListener(type, () => form.classList.remove("over"));
  }
  form.addEventListener("drop", (event) => {
    event.preventDefault();
    send(event.dataTransfer.files[0]);
  });
  // A clip dropped beside the zone must not make the browser leave the page to play it.
  for (const type of ["dragover", "drop"]) {
    window.addEventListener(type, (event) => event.preventDefault());
  }
});
