using GaNas.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GaNas.MLNet;

/// <summary>
/// The model <see cref="TrainingFreeNasTrainer"/> returns: it scores rows with the trained network
/// (<c>Score</c> = class probabilities, <c>PredictedLabel</c> = key with the label's values) and
/// tells what the search found. It saves through <c>mlContext.Model.Save</c> as a chain of public
/// ML.NET transforms; <c>mlContext.Model.Load</c> gives back that chain, which predicts identically.
/// </summary>
public sealed class TrainingFreeNasTransformer : ITransformer
{
    private readonly ITransformer _pipeline;

    internal TrainingFreeNasTransformer(ITransformer pipeline, NetworkModel model, TrainingFreeNasSummary summary)
    {
        _pipeline = pipeline;
        Model = model;
        Summary = summary;
    }

    /// <summary>The trained network.</summary>
    internal NetworkModel Model { get; }

    /// <summary>The saved form: public ML.NET transforms that score row by row.</summary>
    internal ITransformer Pipeline => _pipeline;

    /// <summary>What the search chose and how training went.</summary>
    public TrainingFreeNasSummary Summary { get; }

    /// <summary>The chosen architecture's canonical string.</summary>
    public string Architecture => Summary.Architecture;

    /// <summary>
    /// Writes the trained network as a standard ONNX model (opset 13) for ONNX Runtime or ML.NET's ApplyOnnxModel:
    /// input <c>input</c>, float N x C x H x W of raw pixel values 0-255 (RGB planar or grey) at the model's input size,
    /// the model's normalisation inside the graph; output <c>probabilities</c>, N x classes; the class names in the
    /// metadata as <c>labels</c> (a JSON array). A model loaded with <c>mlContext.Model.Load</c> converts with
    /// <see cref="TrainingFreeNasCatalog.ConvertTrainingFreeNasToOnnx"/>.
    /// </summary>
    public void ExportOnnx(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Model.ExportOnnx(stream);
    }

    /// <inheritdoc />
    public bool IsRowToRowMapper => _pipeline.IsRowToRowMapper;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _pipeline.GetOutputSchema(inputSchema);

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _pipeline.GetRowToRowMapper(inputSchema);

    /// <summary>Scores the rows, running the network on batches of rows (a PredictionEngine scores one row at a time).</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return BatchedScoring.Transform(_pipeline, input);
    }

    /// <inheritdoc />
    void ICanSaveModel.Save(ModelSaveContext ctx) => _pipeline.Save(ctx);
}

/// <summary>What a <see cref="TrainingFreeNasTransformer"/> knows about its making.</summary>
/// <param name="SearchSpace">"tss" or "sss".</param>
/// <param name="Architecture">Chosen architecture.</param>
/// <param name="Score">Training-free score used.</param>
/// <param name="ProxyValues">Proxy values of the chosen architecture.</param>
/// <param name="Evaluations">Architectures scored by the search.</param>
/// <param name="SearchSeconds">Search wall time.</param>
/// <param name="TrainSeconds">Final training wall time (finalists included).</param>
/// <param name="Parameters">Parameter count of the network.</param>
/// <param name="MultiplyAccumulates">MACs per image.</param>
/// <param name="TrainingCurve">Metrics per epoch of the final training.</param>
public sealed record TrainingFreeNasSummary(string SearchSpace, string Architecture, string Score, IReadOnlyDictionary<string, double> ProxyValues,
    int Evaluations, double SearchSeconds, double TrainSeconds, long Parameters, long MultiplyAccumulates, IReadOnlyList<EpochMetrics> TrainingCurve)
{
    /// <summary>The seed the fit used: the options' seed, or one drawn from the MLContext.</summary>
    public int Seed { get; init; }

    /// <summary>Images per SGD step of the final training (after <see cref="SmallDataRule"/>).</summary>
    public int BatchSize { get; init; }

    /// <summary>Epochs the final training was planned for (after <see cref="SmallDataRule"/>).</summary>
    public int Epochs { get; init; }

    /// <summary>The epoch whose weights the model has.</summary>
    public int BestEpoch { get; init; }

    /// <summary>Whether early stopping ended the training before <see cref="Epochs"/>.</summary>
    public bool StoppedEarly { get; init; }

    /// <summary>What <see cref="SmallDataRule"/> changed or doubts (also sent to MLContext.Log as warnings).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>Cancellation of <see cref="TrainingFreeNasTrainer.Fit"/>, saying whether a model is available.</summary>
public sealed class TrainingFreeNasCancelledException : OperationCanceledException
{
    /// <summary>Creates the exception.</summary>
    public TrainingFreeNasCancelledException(string message, TrainingFreeNasTransformer? model, CancellationToken token)
        : base(message, null, token) => Model = model;

    /// <summary>Creates the exception.</summary>
    public TrainingFreeNasCancelledException() : base("Training-free NAS was cancelled.") { }

    /// <summary>Creates the exception.</summary>
    public TrainingFreeNasCancelledException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public TrainingFreeNasCancelledException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Whether a usable model exists (cancellation came during training, after at least one epoch).</summary>
    public bool ModelAvailable => Model is not null;

    /// <summary>The model trained so far (best epoch), or null.</summary>
    public TrainingFreeNasTransformer? Model { get; }
}
