namespace GaNas.SearchSpaces;

/// <summary>
/// The search spaces known by name. Adding a space is one <see cref="ISearchSpace"/> implementation and one
/// <see cref="Register"/> call; the CLI's --space and saved models then accept its name.
/// </summary>
public static class SearchSpaceCatalog
{
    private static readonly Registry<ISearchSpace> Spaces = CreateBuiltIn();

    private static Registry<ISearchSpace> CreateBuiltIn()
    {
        var r = new Registry<ISearchSpace>("search space");
        r.Register("tss", "NATS-Bench topology space (= NAS-Bench-201): 15,625 cells of 6 edges with 5 operations each.", TopologySearchSpace.Instance);
        r.Register("sss", "NATS-Bench size space: 32,768 configurations of 5 channel counts in 8..64.", SizeSearchSpace.Instance);
        return r;
    }

    /// <summary>All spaces, in registration order.</summary>
    public static IReadOnlyList<ISearchSpace> All => Spaces.Entries.Select(e => e.Item).ToArray();

    /// <summary>Every registered space with its description.</summary>
    public static IReadOnlyList<RegistryEntry<ISearchSpace>> Entries => Spaces.Entries;

    /// <summary>Known names.</summary>
    public static IReadOnlyList<string> Names => Spaces.Names;

    /// <summary>Whether a space of that name is registered.</summary>
    public static bool Contains(string name) => Spaces.Contains(name);

    /// <summary>Registers a space under its <see cref="ISearchSpace.Name"/>; a name that is taken is refused.</summary>
    public static void Register(ISearchSpace space, string description)
    {
        ArgumentNullException.ThrowIfNull(space);
        Spaces.Register(space.Name, description, space);
    }

    /// <summary>Looks a space up by name (case-insensitive); unknown names list the known ones.</summary>
    public static ISearchSpace ByName(string name) => Spaces.Get(name);
}
