using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Core.Settings;

/// <summary>
/// Keys that moved under <c>Studio:</c> keep working for one release: a value under the old key is used when the
/// new key is not set, and each such old key is named once in a warning.
/// </summary>
public sealed class LegacySettingKeys(ILogger<LegacySettingKeys> logger)
{
    private readonly ConcurrentDictionary<string, bool> _warned = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Binds onto <paramref name="options"/> every value under <paramref name="oldPrefix"/> whose counterpart under
    /// <paramref name="newPrefix"/> is missing. <paramref name="section"/> is the options' own section, which
    /// <paramref name="newPrefix"/> is (or lies under).
    /// </summary>
    public void Apply<T>(IConfiguration configuration, string section, string oldPrefix, string newPrefix, T options) where T : class
    {
        var old = configuration.GetSection(oldPrefix);
        var missing = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in old.AsEnumerable())
        {
            var newKey = newPrefix + key[oldPrefix.Length..];
            if (value is not null && configuration[newKey] is null)
            {
                missing[newKey] = value;
                Warn(key, newKey);
            }
        }

        if (missing.Count > 0)
        {
            new ConfigurationBuilder().AddInMemoryCollection(missing).Build().GetSection(section).Bind(options);
        }
    }

    private void Warn(string oldKey, string newKey)
    {
        // Once per key and process: options are rebuilt on every configuration reload.
        if (_warned.TryAdd(oldKey, true))
        {
            logger.LogWarning("The setting {OldKey} is deprecated and will stop working in the next release; use {NewKey} instead", oldKey, newKey);
        }
    }
}

public static class LegacySettingKeysServiceCollectionExtensions
{
    /// <summary>
    /// Lets <paramref name="oldPrefix"/> (a section or a single key) stand in for <paramref name="newPrefix"/> in the
    /// options bound from <paramref name="section"/>. Runs after binding and before validation, so old values are
    /// checked like new ones.
    /// </summary>
    public static IServiceCollection AddLegacySettingKeys<T>(this IServiceCollection services, string section, string oldPrefix, string newPrefix) where T : class
    {
        services.AddLogging();
        services.TryAddSingleton<LegacySettingKeys>();
        services.AddOptions<T>().PostConfigure<IConfiguration, LegacySettingKeys>((options, configuration, legacy) =>
            legacy.Apply(configuration, section, oldPrefix, newPrefix, options));
        return services;
    }
}
