namespace GaNas.SearchSpaces;

/// <summary>The search spaces known by name.</summary>
public static class SearchSpaceCatalog
{
    /// <summary>All spaces.</summary>
    public static IReadOnlyList<ISearchSpace> All { get; } = [TopologySearchSpace.Instance, SizeSearchSpace.Instance];

    /// <summary>Looks a space up by name ("tss" / "sss", case-insensitive).</summary>
    public static ISearchSpace ByName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"Unknown search space '{name}'; expected one of {string.Join(", ", All.Select(s => s.Name))}.", nameof(name));
    }
}
