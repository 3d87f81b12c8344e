using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace Pipelines.Dashboard;

/// <summary>The page, script and stylesheet, read once from the assembly's embedded resources.</summary>
internal static class DashboardAssets
{
    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        ["dashboard.js"] = "text/javascript; charset=utf-8",
        ["dashboard.css"] = "text/css; charset=utf-8",
    };

    private static readonly ConcurrentDictionary<string, string> Cache = new(StringComparer.Ordinal);

    /// <summary>
    /// The page, with its base address set so its relative links work with or without a trailing slash: the address
    /// the page was asked at, so a dashboard mapped inside a route group (whose prefix is in neither the pattern nor
    /// <c>PathBase</c>) or under a <c>PathBase</c> finds its script and API.
    /// </summary>
    public static IResult Page(HttpContext context)
    {
        // Mapped at "/", the path already ends with the slash: "//" would be a protocol-relative address.
        string path = context.Request.PathBase.Add(context.Request.Path).ToUriComponent();
        string baseHref = path.EndsWith('/') ? path : path + "/";
        string html = Read("index.html").Replace("{{base}}", System.Net.WebUtility.HtmlEncode(baseHref), StringComparison.Ordinal);
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Content-Type-Options"] = "nosniff";
        return Results.Content(html, "text/html; charset=utf-8");
    }

    public static IResult File(string name)
    {
        if (!ContentTypes.TryGetValue(name, out var contentType)) return Results.NotFound();
        return Results.Content(Read(name), contentType);
    }

    private static string Read(string name) => Cache.GetOrAdd(name, static n =>
    {
        using var stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream($"Pipelines.Dashboard.Assets.{n}")
            ?? throw new InvalidOperationException($"The dashboard asset '{n}' is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });
}
