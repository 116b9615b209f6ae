using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using OpenAI;

namespace FineTuneStudio.Core.Generation;

/// <summary>
/// One way to reach an OpenAI-compatible chat-completions endpoint (OpenAI, Ollama, vLLM, a hosted API)
/// through Microsoft.Extensions.AI, shared by synthetic drafts and generated eval runs.
/// </summary>
public static class ChatEndpointClient
{
    /// <param name="baseUrl">e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1</param>
    /// <param name="model">the model name the endpoint serves</param>
    /// <param name="apiKey">from configuration or user secrets; never from the database</param>
    /// <param name="maxRetries">null keeps the client's own retry policy; callers that retry themselves pass 0</param>
    public static IChatClient Create(string baseUrl, string model, string? apiKey, int? maxRetries = null, TimeSpan? networkTimeout = null)
    {
        var options = new OpenAIClientOptions { Endpoint = new Uri(baseUrl) };
        if (maxRetries is { } retries)
        {
            options.RetryPolicy = new ClientRetryPolicy(retries);
        }

        if (networkTimeout is { } timeout)
        {
            options.NetworkTimeout = timeout;
        }

        // Local endpoints often need no key; the client still wants one.
        var key = new ApiKeyCredential(string.IsNullOrEmpty(apiKey) ? "no-key" : apiKey);
        return new OpenAI.Chat.ChatClient(model, key, options).AsIChatClient();
    }
}
