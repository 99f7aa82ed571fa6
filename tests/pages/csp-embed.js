// The embed snippet, moved into a file because the page's CSP forbids inline scripts.
window.Answerdesk=window.Answerdesk||function(){(Answerdesk.q=Answerdesk.q||[]).push(arguments)};
Answerdesk('init',{kb:'{{HELP_CENTER}}/kb/'});
