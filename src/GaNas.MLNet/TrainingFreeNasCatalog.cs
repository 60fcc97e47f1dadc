using GaNas.MLNet;
using Microsoft.ML.Runtime;

namespace Microsoft.ML;

/// <summary>
/// Training-free NAS on <c>mlContext.MulticlassClassification.Trainers</c>, next to ImageClassification.
/// </summary>
public static class TrainingFreeNasCatalog
{
    /// <summary>
    /// A trainer that searches a TorchSharp network for the images without training candidates, then trains the winner.
    /// It works in the MLContext the catalog belongs to: its seed (unless <see cref="TrainingFreeNasOptions.Seed"/> is set)
    /// and its <c>Log</c>, which receives the trainer's phases and warnings (source TrainingFreeNas).
    /// </summary>
    public static TrainingFreeNasTrainer TrainingFreeNas(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, TrainingFreeNasOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new TrainingFreeNasTrainer(CatalogEnvironment.Of(catalog), options);
    }

    /// <summary>
    /// A trainer with default options for images of the given shape.
    /// </summary>
    public static TrainingFreeNasTrainer TrainingFreeNas(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        int imageChannels, int imageHeight, int imageWidth,
        string labelColumnName = "Label", string featureColumnName = "Features",
        string scoreColumnName = "Score", string predictedLabelColumnName = "PredictedLabel")
    {
        return catalog.TrainingFreeNas(new TrainingFreeNasOptions
        {
            ImageChannels = imageChannels,
            ImageHeight = imageHeight,
            ImageWidth = imageWidth,
            LabelColumnName = labelColumnName,
            FeatureColumnName = featureColumnName,
            ScoreColumnName = scoreColumnName,
            PredictedLabelColumnName = predictedLabelColumnName,
        });
    }

    /// <summary>
    /// Makes this assembly's custom mappings known to the MLContext of <paramref name="catalog"/>, so that
    /// <c>mlContext.Model.Load</c> can read GaNas models (call it once per MLContext before loading).
    /// </summary>
    public static void RegisterTrainingFreeNas(this ModelOperationsCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        CatalogEnvironment.Of(catalog).ComponentCatalog.RegisterAssembly(typeof(TrainingFreeNasTrainer).Assembly);
    }

    /// <summary>
    /// Writes the network of a model trained with TrainingFreeNas (fitted, or loaded with <c>mlContext.Model.Load</c>,
    /// alone or inside a larger chain) as a standard ONNX model; see <see cref="TrainingFreeNasTransformer.ExportOnnx"/>
    /// for its inputs and outputs. Like <c>ConvertToOnnx</c> it takes data of the model's input schema, and reads the
    /// network from its first row (the saved pipeline hands the network to its scoring step through a column).
    /// The steps before the network (image loading, label mapping) are not part of the ONNX model.
    /// </summary>
    public static void ConvertTrainingFreeNasToOnnx(this ModelOperationsCatalog catalog, ITransformer model, IDataView inputData, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputData);
        ArgumentNullException.ThrowIfNull(stream);
        OnnxConversion.FindNetwork(model, inputData).ExportOnnx(stream);
    }

    /// <summary>
    /// Loads a saved model (as <c>mlContext.Model.Load</c>, with this assembly registered) whose <c>Transform</c> runs the
    /// GaNas network on batches of rows, as the fitted model's does; a PredictionEngine and saving behave as with the plain
    /// load. Batched and row-by-row scores agree to float32 rounding (libtorch may add up a batch in another order), and the
    /// batched scores of a loaded model equal the fitted model's.
    /// </summary>
    public static ITransformer LoadTrainingFreeNas(this ModelOperationsCatalog catalog, string filePath, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        catalog.RegisterTrainingFreeNas();
        return new BatchedModel(catalog.Load(filePath, out inputSchema));
    }

    /// <summary>Loads a saved model from a stream; see <see cref="LoadTrainingFreeNas(ModelOperationsCatalog, string, out DataViewSchema)"/>.</summary>
    public static ITransformer LoadTrainingFreeNas(this ModelOperationsCatalog catalog, Stream stream, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        catalog.RegisterTrainingFreeNas();
        return new BatchedModel(catalog.Load(stream, out inputSchema));
    }
}
