using Ganss.Xss;
using Markdig;

namespace FineTuneStudio.Core.Examples;

/// <summary>Turns a dataset's Markdown guidelines into HTML that is safe to put on a page (no scripts, handlers or frames).</summary>
public static class GuidelinesRenderer
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UseAdvancedExtensions()
        .DisableHtml()
        .Build();

    private static readonly HtmlSanitizer Sanitizer = CreateSanitizer();

    public static string ToHtml(string? markdown)
    {
        if (string.IsNullOrWhiteSpace(markdown))
        {
            return "";
        }

        return DemoteHeadings(Sanitizer.Sanitize(Markdown.ToHtml(markdown, Pipeline)));
    }

    /// <summary>Guidelines sit beside the editor, under the page's own title: their h1 becomes h3 and so on (h6 stays h6).</summary>
    private static string DemoteHeadings(string html)
    {
        for (var level = 4; level >= 1; level--)
        {
            html = html.Replace($"<h{level}", $"<h{level + 2}", StringComparison.Ordinal)
                .Replace($"</h{level}>", $"</h{level + 2}>", StringComparison.Ordinal);
        }

        return html;
    }

    private static HtmlSanitizer CreateSanitizer()
    {
        var sanitizer = new HtmlSanitizer();
        sanitizer.AllowedSchemes.Clear();
        sanitizer.AllowedSchemes.Add("https");
        sanitizer.AllowedSchemes.Add("http");
        sanitizer.AllowedSchemes.Add("mailto");
        return sanitizer;
    }
}
