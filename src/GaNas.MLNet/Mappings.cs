using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace GaNas.MLNet;

// The saved pipeline: [ModelKey constant] -> ValueMapping(ModelKey -> network bytes) -> [network scoring]
// -> SelectFeaturesBasedOnCount(padded probabilities -> Score of the class count) -> ValueMapping(index -> label)
// -> MapValueToKey(PredictedLabel, label order) -> DropColumns. The two custom mappings below are found by
// contract name when ML.NET loads the model (mlContext.Model.RegisterTrainingFreeNas() registers this assembly).

/// <summary>Upper bound on classes: the scoring mapping writes a fixed-size padded vector that later shrinks to the class count.</summary>
public static class TrainingFreeNasLimits
{
    /// <summary>Most classes a model can have.</summary>
    public const int MaxClasses = 1024;

    /// <summary>Widest first stage (the skeleton's C) a model can have.</summary>
    public const int MaxChannels = 256;

    /// <summary>Most cells per stage (the skeleton's N; NATS-Bench uses 5).</summary>
    public const int MaxCellsPerStage = 16;

    /// <summary>Largest image height or width.</summary>
    public const int MaxImageSide = 1024;

    /// <summary>Most libtorch intra-op threads <see cref="TrainingFreeNasOptions.NumberOfThreads"/> may ask for.</summary>
    public const int MaxThreads = 256;
}

/// <summary>Input of the constant mapping (no columns).</summary>
public sealed class ModelKeyInput { }

/// <summary>Output of the constant mapping.</summary>
public sealed class ModelKeyOutput
{
    /// <summary>Always <see cref="ModelKeyFactory.Key"/>: the key under which the pipeline's ValueMapping stores the network.</summary>
    public string GaNasModelKey = string.Empty;
}

/// <summary>Adds the constant key column that looks the network up.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class ModelKeyFactory : CustomMappingFactory<ModelKeyInput, ModelKeyOutput>
{
    /// <summary>Contract name in saved models.</summary>
    public const string ContractName = "GaNas.ModelKey";

    /// <summary>The constant key.</summary>
    public const string Key = "network";

    /// <inheritdoc />
    public override Action<ModelKeyInput, ModelKeyOutput> GetMapping() => (_, output) => output.GaNasModelKey = Key;
}

/// <summary>Input of the scoring mapping for pixel features.</summary>
public sealed class PixelScoringInput
{
    /// <summary>Planar pixels.</summary>
    public float[] GaNasFeatures = [];

    /// <summary>The serialised network.</summary>
    public byte[] GaNasModel = [];
}

/// <summary>Input of the scoring mapping for encoded image bytes.</summary>
public sealed class BytesScoringInput
{
    /// <summary>Encoded image.</summary>
    public byte[] GaNasFeatures = [];

    /// <summary>The serialised network.</summary>
    public byte[] GaNasModel = [];
}

/// <summary>Output of the scoring mappings.</summary>
public sealed class ScoringOutput
{
    /// <summary>Class probabilities, padded with zeros to <see cref="TrainingFreeNasLimits.MaxClasses"/>.</summary>
    [VectorType(TrainingFreeNasLimits.MaxClasses)]
    public float[] GaNasPaddedScore = [];

    /// <summary>0-based index of the most probable class.</summary>
    public uint GaNasPredictedIndex;

    internal void Fill(float[] probabilities)
    {
        var padded = new float[TrainingFreeNasLimits.MaxClasses];
        int best = 0;
        for (int k = 0; k < probabilities.Length; k++)
        {
            // A probability that underflowed to 0 would be dropped with the padding: keep it positive.
            padded[k] = Math.Max(probabilities[k], 1e-30f);
            if (probabilities[k] > probabilities[best]) best = k;
        }
        GaNasPaddedScore = padded;
        GaNasPredictedIndex = (uint)best;
    }
}

/// <summary>Scores pixel features with the network carried in the row.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class PixelScoringFactory : CustomMappingFactory<PixelScoringInput, ScoringOutput>
{
    /// <summary>Contract name in saved models.</summary>
    public const string ContractName = "GaNas.ScorePixels";

    /// <inheritdoc />
    public override Action<PixelScoringInput, ScoringOutput> GetMapping() => (input, output) =>
        output.Fill(NetworkModel.FromBytes(input.GaNasModel).Predict(input.GaNasFeatures));
}

/// <summary>Scores encoded image bytes with the network carried in the row.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class BytesScoringFactory : CustomMappingFactory<BytesScoringInput, ScoringOutput>
{
    /// <summary>Contract name in saved models.</summary>
    public const string ContractName = "GaNas.ScoreImageBytes";

    /// <inheritdoc />
    public override Action<BytesScoringInput, ScoringOutput> GetMapping() => (input, output) =>
    {
        NetworkModel model = NetworkModel.FromBytes(input.GaNasModel);
        var h = model.Header;
        output.Fill(model.Predict(ImageFeatures.Decode(input.GaNasFeatures, h.InputChannels, h.Height, h.Width, "image")));
    };
}
