using System.Text.Json;
using System.Text.Json.Serialization;
using GaNas.Search.AutoML;
using GaNas.Search.Strategies;

namespace GaNas.Search;

/// <summary>
/// A search's history on disk (JSON): the strategy's fingerprint, the evaluation's (<see cref="RunFingerprint"/>:
/// images, batch, classes, proxies, skeleton, ...) and every trial's architecture, proxy values, duration and error. Written to a temporary file and renamed, so a kill never leaves
/// a torn checkpoint. Resuming replays the trials through a fresh strategy with the same seed, which
/// restores its exact state (random generator included) without re-running any trial. The document carries the SHA-256
/// of its own serialisation, so a damaged or edited file is refused instead of replayed with other values.
/// </summary>
internal static class SearchCheckpoint
{
    private static readonly JsonSerializerOptions Options = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = false,
    };

    private sealed record Trial(int Id, string Arch, Dictionary<string, double> Values, double Ms, string? Error);

    private sealed record Document(int Version, string Fingerprint, Dictionary<string, string>? Evaluation, List<Trial> Trials, string? Sha256 = null);

    /// <summary>SHA-256 of the document's serialisation without its checksum: a changed byte anywhere is detected.</summary>
    private static string Checksum(Document doc) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(doc with { Sha256 = null }, Options)));

    private const int FormatVersion = 2;

    /// <summary>Writes the strategy's history atomically, with what determined its values.</summary>
    public static void Save(string path, SearchStrategy strategy, RunFingerprint evaluation)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(evaluation);
        var doc = new Document(FormatVersion, strategy.Fingerprint, new Dictionary<string, string>(evaluation.Fields), strategy.History.Trials.Select(t => new Trial(
            t.TrialSettings.TrialId, t.TrialSettings.Parameter.Architecture, new Dictionary<string, double>(t.ProxyValues), t.DurationInMilliseconds, t.Error)).ToList());
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = full + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(doc with { Sha256 = Checksum(doc) }, Options));
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>
    /// Replays a checkpoint into a fresh strategy; returns the number of trials restored. Refused, naming the cause, when
    /// the checkpoint was written by another search (strategy fingerprint), with other data or settings (evaluation
    /// fingerprint), or holds more trials than <paramref name="budget"/>.
    /// </summary>
    public static int Replay(string path, SearchStrategy strategy, RunFingerprint evaluation, int budget = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(evaluation);
        if (strategy.History.Count > 0) throw new InvalidOperationException("Resume into a fresh strategy only.");
        Document doc;
        try
        {
            doc = JsonSerializer.Deserialize<Document>(File.ReadAllText(path), Options)
                ?? throw new InvalidDataException($"Checkpoint '{path}' is empty.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Checkpoint '{path}' is corrupt: {ex.Message}", ex);
        }
        if (doc.Sha256 is null || doc.Sha256 != Checksum(doc))
            throw new InvalidDataException($"Checkpoint '{path}' fails its integrity check (its SHA-256 does not match its contents): the file is damaged or was edited; start a new checkpoint.");
        if (doc.Version != FormatVersion)
            throw new InvalidDataException($"Checkpoint '{path}' has format version {doc.Version}; this build reads version {FormatVersion} (version 1 did not record the data it was computed on, so it cannot be verified): start a new checkpoint.");
        if (doc.Fingerprint != strategy.Fingerprint)
            throw new InvalidDataException($"Checkpoint '{path}' belongs to another search ({doc.Fingerprint}); this one is {strategy.Fingerprint}. Use the same strategy, options, score, space and seed, or another checkpoint file.");
        string? difference = evaluation.DifferenceFrom(new RunFingerprint(doc.Evaluation ?? []));
        if (difference is not null)
            throw new InvalidDataException($"Checkpoint '{path}' was computed with other data or settings: {difference}. Resume with the same images, batch, classes, proxies and skeleton, or use another checkpoint file.");
        int stored = doc.Trials?.Count ?? 0;
        if (stored > budget)
            throw new InvalidDataException($"Checkpoint '{path}' holds {stored} trials, more than this run's budget of {budget}: raise the budget to at least {stored} or use another checkpoint file.");
        foreach (Trial trial in doc.Trials ?? [])
        {
            var settings = new TrialSettings { TrialId = trial.Id };
            settings.Parameter = strategy.Propose(settings);
            if (settings.Parameter.Architecture != trial.Arch)
                throw new InvalidDataException($"Checkpoint '{path}' diverges at trial {trial.Id}: it holds {trial.Arch}, the search proposes {settings.Parameter.Architecture}.");
            var result = new TrialResult
            {
                TrialSettings = settings,
                ProxyValues = trial.Values ?? [],
                DurationInMilliseconds = trial.Ms,
                Error = trial.Error,
                Loss = trial.Error is null ? double.NaN : double.PositiveInfinity,
                Metric = trial.Error is null ? double.NaN : double.NegativeInfinity,
            };
            strategy.Update(result);
        }
        return doc.Trials?.Count ?? 0;
    }
}
