using System.Text.Json;
using System.Text.Json.Serialization;
using GaNas.Search;

namespace GaNas.MLNet;

/// <summary>
/// What the search (and the finalists, when there are any) decided: the architecture to train, its proxy values and
/// the cost of the search and of the finalists. With a training checkpoint it is written next to it, with the fingerprint of everything the
/// search read, so that a resumed fit trains the same architecture without searching again.
/// </summary>
internal sealed record SearchOutcome(string Architecture, IReadOnlyDictionary<string, double> ProxyValues, int Evaluations, double SearchSeconds, double FinalistSeconds = 0)
{
    private const int Format = 1;
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    /// <summary>Where the outcome of a fit with training checkpoint <paramref name="checkpointPath"/> is kept.</summary>
    public static string PathFor(string checkpointPath) => checkpointPath + ".search.json";

    /// <summary>The stored outcome of the same search, null when there is none; a damaged file or another run's is an error naming it.</summary>
    public static SearchOutcome? Load(string path, RunFingerprint expected)
    {
        if (!File.Exists(path)) return null;
        Stored stored;
        try
        {
            stored = JsonSerializer.Deserialize<Stored>(File.ReadAllBytes(path), Json) ?? throw new InvalidDataException("it is empty");
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or NotSupportedException)
        {
            throw new InvalidDataException($"The search result '{path}' is corrupt ({ex.Message}); delete it and the training checkpoint to start over.", ex);
        }
        if (stored.Format != Format) throw new InvalidDataException($"The search result '{path}' has format {stored.Format}; this build reads {Format}.");
        if (stored.Architecture is null || stored.Fingerprint is null || stored.ProxyValues is null)
            throw new InvalidDataException($"The search result '{path}' lacks its architecture, fingerprint or proxy values.");
        if (expected.DifferenceFrom(new RunFingerprint(stored.Fingerprint)) is { } difference)
            throw new InvalidDataException($"The search result '{path}' belongs to another run: {difference}. Delete it and the training checkpoint to start over.");
        return new SearchOutcome(stored.Architecture, stored.ProxyValues, stored.Evaluations, stored.SearchSeconds, stored.FinalistSeconds);
    }

    /// <summary>Writes the outcome atomically (a temporary file renamed over the target).</summary>
    public void Save(string path, RunFingerprint fingerprint)
    {
        var stored = new Stored(Format, fingerprint.Fields.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), Architecture,
            ProxyValues.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), Evaluations, SearchSeconds, FinalistSeconds);
        string temporary = path + ".tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(stored, Json));
        File.Move(temporary, path, overwrite: true);
    }

    private sealed record Stored(int Format, Dictionary<string, string>? Fingerprint, string? Architecture, Dictionary<string, double>? ProxyValues, int Evaluations, double SearchSeconds, double FinalistSeconds);
}
