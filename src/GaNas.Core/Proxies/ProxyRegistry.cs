namespace GaNas.Proxies;

/// <summary>The proxies known by name. Register a new proxy here to make it available everywhere.</summary>
public static class ProxyRegistry
{
    private static readonly Dictionary<string, Func<IZeroCostProxy>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        ["naswot"] = () => new Naswot(),
        ["ni"] = () => new NoiseImmunity(),
        ["logsynflow"] = () => new LogSynFlow(),
        ["synflow"] = () => new SynFlow(),
        ["params"] = () => new ParamsProxy(),
        ["macs"] = () => new MacsProxy(),
        ["az_expressivity"] = () => new AzExpressivity(),
        ["az_progressivity"] = () => new AzProgressivity(),
        ["zico"] = () => new Zico(),
        ["grad_norm"] = () => new GradNorm(),
        ["snip"] = () => new Snip(),
        ["az_trainability"] = () => new AzTrainability(),
        ["jacov"] = () => new JacobianCovariance(),
        ["meco"] = () => new Meco(),
        ["grasp"] = () => new Grasp(),
    };

    /// <summary>Names of all registered proxies.</summary>
    public static IReadOnlyList<string> Names => Factories.Keys.ToArray();

    /// <summary>Registers (or replaces) a proxy factory.</summary>
    public static void Register(string name, Func<IZeroCostProxy> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        lock (Factories) Factories[name] = factory;
    }

    /// <summary>Creates a proxy by name; unknown names list the known ones.</summary>
    public static IZeroCostProxy Create(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (Factories)
        {
            return Factories.TryGetValue(name.Trim(), out var factory)
                ? factory()
                : throw new ArgumentException($"Unknown proxy '{name}'; known proxies: {string.Join(", ", Factories.Keys)}.", nameof(name));
        }
    }

    /// <summary>Creates the proxies of a comma-separated list, in order, without duplicates.</summary>
    public static IReadOnlyList<IZeroCostProxy> CreateMany(string names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var list = names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct(StringComparer.OrdinalIgnoreCase).Select(Create).ToList();
        return list.Count > 0 ? list : throw new ArgumentException("No proxy named.", nameof(names));
    }
}
