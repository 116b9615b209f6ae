using Ganss.Xss;
using Markdig;

namespace FineTuneStudio.Core.Versions;

/// <summary>
/// Renders a dataset card (our own Markdown, but it holds user-written notes and names) to sanitised HTML; the YAML block
/// for the Hugging Face Hub at its top is not shown.
/// </summary>
public static class MarkdownHtml
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseYamlFrontMatter().UsePipeTables().DisableHtml().Build();

    public static string ToSafeHtml(string markdown) => new HtmlSanitizer().Sanitize(Markdown.ToHtml(markdown, Pipeline));
}
