/// The page shell: inline CSS and the small live-update script (no CDN: air-gapped clusters).
/// The script only swaps in fragments the server rendered (and escaped) and sets banner text
/// with textContent; a Content-Security-Policy with a per-response nonce backs that up.
enum Layout {
    static func page(title: String, cluster: String, view: String, generation: Int, pollMs: Int, nonce: String,
                     banner: String?, updated: String, live: String, rest: String, footer: String) -> String {
        var s = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        s += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        s += "<title>\(HTML.escape(title)) · \(HTML.escape(cluster))</title><style>\(css)</style></head>"
        s += "<body data-view=\"\(HTML.attr(view))\" data-generation=\"\(generation)\" data-updates=\"0\" data-poll-ms=\"\(pollMs)\">"
        s += "<header><h1><a href=\"/\">\(HTML.escape(cluster))</a> <span>GPUs</span></h1>"
        s += "<nav><a href=\"/\">Board</a> <a href=\"/users\">Users</a> <a href=\"/api/v1/snapshot\">JSON</a></nav>"
        s += "<div class=\"stamp\">updated <span id=\"updated\">\(HTML.escape(updated))</span></div></header>"
        s += "<div id=\"banner\" role=\"alert\"\(banner == nil ? " hidden" : "")>\(HTML.escape(banner ?? ""))</div>"
        s += "<main><div id=\"live\">\(live)</div>\(rest)</main>"
        s += "<footer>\(footer)</footer>"
        s += "<script nonce=\"\(nonce)\">\(script)</script></body></html>"
        return s
    }

    static let css = """
    :root{--free:#2e9d4f;--busy:#2f6fb3;--idle:#9b4dca;--down:#6b6b6b;--maint:#0e7c86;--bad:#c62828;--bg:#fafafa;--fg:#1d1d1f}
    *{box-sizing:border-box}body{margin:0;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
    header{display:flex;gap:1.5em;align-items:baseline;padding:.6em 1em;background:#1d1d1f;color:#eee}
    header h1{font-size:1.2em;margin:0}header h1 span{font-weight:400;color:#aaa}header a{color:#eee;text-decoration:none}
    nav a{margin-right:1em;color:#ccc}.stamp{margin-left:auto;color:#aaa;font-size:.9em}
    #banner{background:#fff3cd;border-bottom:2px solid #e0a800;padding:.5em 1em;font-weight:600}
    #banner.error{background:#fdecea;border-color:var(--bad)}
    main{padding:1em}h2{font-size:1.05em;margin:1.4em 0 .5em}
    .headline{font-size:1.8em;font-weight:700;margin:.2em 0}.headline .n{color:var(--free)}
    .slots{color:#444;margin-bottom:.6em}.legend span{display:inline-block;margin-right:1em}
    .legend i{display:inline-block;width:.9em;height:.9em;border-radius:2px;margin-right:.3em;vertical-align:-1px}
    table.board{border-collapse:collapse;width:100%}table.board th{text-align:left;vertical-align:top;padding:.35em .6em .35em 0;white-space:nowrap;width:9em}
    table.board td{padding:.25em 0}table.board tr{border-top:1px solid #e4e4e4}
    .node-maintenance{display:block;font-weight:400;color:var(--maint);font-size:.85em}
    .node-problem{display:block;font-weight:400;color:var(--bad);font-size:.85em;white-space:normal}
    .node-reboot{display:block;font-weight:400;color:#b26b00;font-size:.85em}
    .cells{display:flex;flex-wrap:wrap;gap:4px}
    .gpu{width:11.5em;min-height:4.2em;border-radius:4px;padding:.25em .4em;color:#fff;font-size:.82em;overflow:hidden}
    .gpu b{font-size:1.05em}.gpu .st{float:right;opacity:.9}.gpu div{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
    .free{background:var(--free)}.busy{background:var(--busy)}.idle-held{background:var(--idle)}.maintenance{background:var(--maint)}.down{background:var(--down)}.unhealthy{background:var(--bad)}
    .bar{height:4px;background:rgba(255,255,255,.35);border-radius:2px;margin-top:2px}.bar i{display:block;height:4px;background:#fff;border-radius:2px}
    svg.chart{width:100%;max-width:760px;height:auto;background:#fff;border:1px solid #e4e4e4;border-radius:4px}
    .grid{stroke:#eee}.tick{font-size:10px;fill:#777}.empty{font-size:13px;fill:#999}
    .tabs a{margin-right:.8em}.tabs a.on{font-weight:700;text-decoration:none;color:var(--fg)}
    table.list{border-collapse:collapse}table.list td,table.list th{padding:.25em .8em .25em 0;text-align:left;border-bottom:1px solid #eee;vertical-align:top}
    td.cmd{font-family:ui-monospace,monospace;font-size:.9em;max-width:40em;word-break:break-all}
    footer{padding:1em;color:#777;font-size:.85em;border-top:1px solid #e4e4e4}
    .charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:1em}figure{margin:0}figcaption{margin-bottom:.3em;color:#444}
    """

    static let script = """
    (function(){var b=document.body,poll=+b.dataset.pollMs||5000;
    function banner(t,err){var e=document.getElementById('banner');e.textContent=t||'';e.hidden=!t;e.className=err?'error':'';}
    function tick(){fetch('/api/v1/live?view='+encodeURIComponent(b.dataset.view||''),{cache:'no-store'})
    .then(function(r){if(!r.ok)throw new Error('HTTP '+r.status);return r.json();})
    .then(function(j){if(String(j.generation)!==b.dataset.generation){document.getElementById('live').innerHTML=j.html;
    b.dataset.generation=String(j.generation);b.dataset.updates=String((+b.dataset.updates||0)+1);}
    document.getElementById('updated').textContent=j.updated;banner(j.banner,j.error);})
    .catch(function(e){banner('Dashboard unreachable ('+e.message+'); retrying',true);})
    .then(function(){setTimeout(tick,poll);});}
    setTimeout(tick,poll);})();
    """
}
