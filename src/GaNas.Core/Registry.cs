namespace GaNas;

/// <summary>One entry of a <see cref="Registry{T}"/>: its name, what it is, and the item.</summary>
/// <param name="Name">The name users type (case-insensitive).</param>
/// <param name="Description">One sentence for help texts and docs tables.</param>
/// <param name="Item">The registered thing (a factory, a space, a score).</param>
public sealed record RegistryEntry<T>(string Name, string Description, T Item);

/// <summary>
/// Things known by name: proxies, strategies, search spaces and named scores are each one of these, so every
/// extension point is added the same way (one <see cref="Register"/> call), refuses a name that is taken, and lists
/// itself for the CLI's choices, the ML.NET options' validation and the docs. Thread-safe; entries keep their
/// registration order.
/// </summary>
public sealed class Registry<T>
{
    private readonly List<RegistryEntry<T>> _entries = [];
    private readonly Dictionary<string, RegistryEntry<T>> _byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly object _gate = new();

    /// <summary>Creates an empty registry for things of the given kind ("proxy", "strategy", ...), named in messages.</summary>
    public Registry(string kind)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        Kind = kind;
    }

    /// <summary>What the registry holds, for messages.</summary>
    public string Kind { get; }

    /// <summary>Adds an entry; a name that is already registered is refused.</summary>
    public void Register(string name, string description, T item)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        ArgumentNullException.ThrowIfNull(item);
        string trimmed = name.Trim();
        if (trimmed.IndexOfAny([',', '+', '*', '(', ')', ' ', ':']) >= 0)
            throw new ArgumentException($"The {Kind} name '{name}' contains a character that command lines and score formulas use (, + * ( ) : or space).", nameof(name));
        lock (_gate)
        {
            if (_byName.ContainsKey(trimmed)) throw new ArgumentException($"A {Kind} named '{trimmed}' is already registered.", nameof(name));
            var entry = new RegistryEntry<T>(trimmed, description, item);
            _entries.Add(entry);
            _byName[trimmed] = entry;
        }
    }

    /// <summary>The item of a name; an unknown name is an error listing the known ones.</summary>
    public T Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_gate)
        {
            return _byName.TryGetValue(name.Trim(), out var entry)
                ? entry.Item
                : throw new ArgumentException($"Unknown {Kind} '{name}'; known: {string.Join(", ", _entries.Select(e => e.Name))}.", nameof(name));
        }
    }

    /// <summary>The item of a name, if registered.</summary>
    public bool TryGet(string name, out T item)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_gate)
        {
            bool found = _byName.TryGetValue(name.Trim(), out var entry);
            item = found ? entry!.Item : default!;
            return found;
        }
    }

    /// <summary>Whether a name is registered.</summary>
    public bool Contains(string name) => TryGet(name, out _);

    /// <summary>Registered names, in registration order.</summary>
    public IReadOnlyList<string> Names
    {
        get { lock (_gate) return _entries.Select(e => e.Name).ToArray(); }
    }

    /// <summary>Every entry, in registration order.</summary>
    public IReadOnlyList<RegistryEntry<T>> Entries
    {
        get { lock (_gate) return _entries.ToArray(); }
    }
}
