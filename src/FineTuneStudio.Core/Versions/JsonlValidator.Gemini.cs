using System.Text.Json;

namespace FineTuneStudio.Core.Versions;

/// <summary>The checks of a Gemini tuning line (Vertex AI): <c>systemInstruction</c>, <c>contents</c> and <c>tools</c>.</summary>
public sealed partial class JsonlValidator
{
    /// <summary>A turn's keys, and the system instruction's (whose role Vertex ignores).</summary>
    private static readonly HashSet<string> s_geminiContentKeys = ["role", "parts"];

    private void CheckGemini(JsonElement root, LineIssues line)
    {
        if (root.TryGetProperty("systemInstruction", out var system))
        {
            if (system.ValueKind != JsonValueKind.Object)
            {
                line.Error("systemInstruction", "systemInstruction must be an object with parts.");
            }
            else
            {
                CheckKeys(system, "systemInstruction", s_geminiContentKeys, line);
                CheckGeminiParts(system, "systemInstruction", textOnly: true, line);
            }
        }
        else
        {
            line.Warn("systemInstruction", "No system instruction.");
        }

        CheckGeminiTools(root, line);
        if (!root.TryGetProperty("contents", out var contents) || contents.ValueKind != JsonValueKind.Array)
        {
            line.Error("contents", contents.ValueKind == JsonValueKind.Undefined ? "Missing contents." : "contents must be a list of turns.");
            return;
        }

        var (count, model, lastRole) = (0, 0, (string?)null);
        foreach (var turn in contents.EnumerateArray())
        {
            var path = $"contents[{count++}]";
            if (turn.ValueKind != JsonValueKind.Object)
            {
                line.Error(path, "Each turn must be an object with role and parts.");
                continue;
            }

            CheckKeys(turn, path, s_geminiContentKeys, line);
            lastRole = turn.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String ? role.GetString() : null;
            if (lastRole is not ("user" or "model"))
            {
                line.Error(path + ".role", "role must be user or model.");
            }

            model += lastRole == "model" ? 1 : 0;
            CheckGeminiParts(turn, path, textOnly: false, line);
        }

        if (count == 0)
        {
            line.Error("contents", "contents has no turns.");
        }
        else if (model == 0)
        {
            line.Error("contents", "No model turn, so there is nothing for the model to learn.");
        }
        else if (lastRole != "model")
        {
            line.Warn($"contents[{count - 1}]", "The conversation does not end with a model turn; turns after the last reply teach nothing.");
        }
    }

    /// <summary>Each part holds text (a string), a functionCall with a name, or a functionResponse with a name and an object response.</summary>
    private static void CheckGeminiParts(JsonElement owner, string path, bool textOnly, LineIssues line)
    {
        if (!owner.TryGetProperty("parts", out var parts) || parts.ValueKind != JsonValueKind.Array || parts.GetArrayLength() == 0)
        {
            line.Error(path + ".parts", "parts must be a non-empty list.");
            return;
        }

        var i = 0;
        foreach (var part in parts.EnumerateArray())
        {
            var partPath = $"{path}.parts[{i++}]";
            if (part.ValueKind != JsonValueKind.Object)
            {
                line.Error(partPath, "Each part must be an object.");
            }
            else if (part.TryGetProperty("text", out var text))
            {
                if (text.ValueKind != JsonValueKind.String)
                {
                    line.Error(partPath + ".text", "text must be a string.");
                }
            }
            else if (textOnly)
            {
                line.Error(partPath, "A system instruction holds text parts only.");
            }
            else if (part.TryGetProperty("functionCall", out var call))
            {
                if (!HasName(call) || (call.TryGetProperty("args", out var args) && args.ValueKind != JsonValueKind.Object))
                {
                    line.Error(partPath + ".functionCall", "A functionCall needs a name, and args as an object.");
                }
            }
            else if (part.TryGetProperty("functionResponse", out var response))
            {
                if (!HasName(response) || !response.TryGetProperty("response", out var body) || body.ValueKind != JsonValueKind.Object)
                {
                    line.Error(partPath + ".functionResponse", "A functionResponse needs the name of its function and the response as an object.");
                }
            }
            else if (part.TryGetProperty("fileData", out _) || part.TryGetProperty("inlineData", out _))
            {
                line.Warn(partPath, "A file or inline data part: its tokens are not counted here.");
            }
            else
            {
                line.Error(partPath, "A part holds text, functionCall, functionResponse, fileData or inlineData.");
            }
        }
    }

    private static void CheckGeminiTools(JsonElement root, LineIssues line)
    {
        if (!root.TryGetProperty("tools", out var tools))
        {
            return;
        }

        if (tools.ValueKind != JsonValueKind.Array)
        {
            line.Error("tools", "tools must be a list of tools.");
            return;
        }

        var i = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            var path = $"tools[{i++}]";
            if (tool.ValueKind != JsonValueKind.Object || !tool.TryGetProperty("functionDeclarations", out var declarations) || declarations.ValueKind != JsonValueKind.Array)
            {
                line.Error(path, "Each tool needs functionDeclarations, a list.");
                continue;
            }

            var j = 0;
            foreach (var declaration in declarations.EnumerateArray())
            {
                var declarationPath = $"{path}.functionDeclarations[{j++}]";
                if (!HasName(declaration))
                {
                    line.Error(declarationPath, "Each function declaration needs a name.");
                }
                else if (declaration.TryGetProperty("parameters", out var parameters) && parameters.ValueKind != JsonValueKind.Object)
                {
                    line.Error(declarationPath + ".parameters", "parameters must be a schema object.");
                }
            }
        }
    }

    private static bool HasName(JsonElement value) =>
        value.ValueKind == JsonValueKind.Object && value.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
        && !string.IsNullOrWhiteSpace(name.GetString());
}
