// Signing with the person's own key in NCALayer, the NCA RK desktop signer (no build step).
//
// Each form.ncalayer (templates/letters/_ncalayer.html) names the XML Arna built for the
// step (data-ncalayer-source; inputs marked data-ncalayer-param go along as the query)
// and NCALayer's WebSocket (data-ncalayer-url, from ARNA_NCALAYER_URL). On the button:
// fetch the XML, ask NCALayer's kz.gov.pki.knca.commonUtils.signXml to sign it with a
// SIGNATURE key from the chosen storage, put the signed XML into the form and post it:
// Arna verifies it before anything changes. NCALayer answers
// {"code":"200","responseObject":"<signed xml>"} or {"code":"500","message":"..."}
// ("action.canceled" when the person pressed Cancel), after greeting every new connection
// with {"result":{"version":"..."}}. Messages shown come translated from data-msg-*.
// A signature by the wrong key type (an authentication key) is refused by Arna after the
// post, with its own translated message (code wrong_key_type).
(function () {
  "use strict";

  var MODULE = "kz.gov.pki.knca.commonUtils";

  function say(form, text) {
    form.querySelector(".ncalayer-status").textContent = text;
  }

  function sourceUrl(form) {
    var url = new URL(form.dataset.ncalayerSource, window.location.href);
    form.querySelectorAll("[data-ncalayer-param]").forEach(function (input) {
      url.searchParams.set(input.name, input.value);
    });
    return url;
  }

  function signInNCALayer(form, xml, button) {
    var data = form.dataset;
    var storage = form.querySelector("input[name=storage]:checked");
    var answered = false;
    var opened = false;
    var socket;
    try {
      socket = new WebSocket(data.ncalayerUrl);
    } catch (error) {
      say(form, data.msgNotRunning);
      button.disabled = false;
      return;
    }
    socket.onopen = function () {
      opened = true;
      say(form, data.msgWorking);
      socket.send(JSON.stringify({
        module: MODULE,
        method: "signXml",
        args: [storage ? storage.value : "PKCS12", "SIGNATURE", xml, "", ""],
      }));
    };
    socket.onmessage = function (event) {
      var answer;
      try {
        answer = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (answer.result && answer.result.version) {
        return; // NCALayer's greeting on a new connection
      }
      answered = true;
      socket.close();
      if (answer.code === "200" && typeof answer.responseObject === "string") {
        form.elements.signed_xml.value = answer.responseObject;
        say(form, data.msgSending);
        form.submit();
        return;
      }
      button.disabled = false;
      if (answer.message === "action.canceled") {
        say(form, data.msgCancelled);
      } else {
        say(form, data.msgFailed + " " + (answer.message || answer.code || ""));
      }
    };
    socket.onclose = function () {
      if (!answered) {
        button.disabled = false;
        say(form, opened ? data.msgFailed : data.msgNotRunning);
      }
    };
  }

  function start(form, button) {
    var data = form.dataset;
    var params = form.querySelectorAll("[data-ncalayer-param]");
    for (var i = 0; i < params.length; i++) {
      if (!params[i].reportValidity()) {
        return;
      }
    }
    button.disabled = true;
    fetch(sourceUrl(form), { credentials: "same-origin" })
      .then(function (response) {
        return response.text().then(function (text) {
          if (!response.ok) {
            throw new Error(text.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim());
          }
          return text;
        });
      })
      .then(function (xml) {
        signInNCALayer(form, xml, button);
      })
      .catch(function (error) {
        button.disabled = false;
        say(form, data.msgNoXml + " " + error.message);
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.ncalayer").forEach(function (form) {
      var button = form.querySelector("[data-ncalayer-sign]");
      button.addEventListener("click", function () {
        start(form, button);
      });
    });
  });
})();
