using System.Globalization;

namespace GaNas.MLNet;

/// <summary>
/// How <see cref="TrainingFreeNasTrainer"/> keeps a small training set from giving a chance-level model.
/// SGD with a cosine schedule needs enough steps: with few images and a large batch, an epoch is a handful of
/// steps and the network never leaves its initialisation. When an epoch would have fewer than
/// <see cref="MinStepsPerEpoch"/> steps, the batch shrinks to the training rows / <see cref="MinStepsPerEpoch"/>
/// (but not below <see cref="MinBatchSize"/>); when the whole training would have fewer than
/// <see cref="MinTotalSteps"/> steps, epochs are added until it has them. With
/// <see cref="TrainingFreeNasOptions.AdaptToSmallData"/> = false the options stay as given and the same
/// findings are warnings. Validation sets with fewer than <see cref="MinValidationImagesPerClass"/> images per
/// class, and training sets with fewer than <see cref="MinTrainingImagesPerClass"/>, are warned about.
/// Every change and warning goes to <c>MLContext.Log</c> (source TrainingFreeNas) and to
/// <see cref="TrainingFreeNasSummary.Warnings"/>.
/// </summary>
public static class SmallDataRule
{
    /// <summary>Fewest SGD steps per epoch before the batch is shrunk.</summary>
    public const int MinStepsPerEpoch = 50;

    /// <summary>Smallest batch the rule shrinks to (batch norm needs a few images per batch).</summary>
    public const int MinBatchSize = 8;

    /// <summary>Fewest SGD steps of the whole final training before epochs are added.</summary>
    public const int MinTotalSteps = 500;

    /// <summary>Fewest validation images per class below which the best epoch is picked on noise (a warning).</summary>
    public const int MinValidationImagesPerClass = 5;

    /// <summary>Fewest training images per class below which a warning says the data are too few.</summary>
    public const int MinTrainingImagesPerClass = 10;

    /// <summary>The batch size and epochs to train with, and what was changed or is doubtful.</summary>
    internal static TrainingSchedule Plan(int trainRows, int validationRows, int classes, int batchSize, int epochs, bool adapt)
    {
        var warnings = new List<string>();
        int batch = batchSize;
        if (batch > trainRows)
        {
            batch = trainRows;
            warnings.Add(Text($"BatchSize {batchSize} exceeds the {trainRows} training images; batches of {batch} are used."));
        }
        int steps = trainRows / batch;
        if (steps < MinStepsPerEpoch && batch > MinBatchSize)
        {
            int smaller = Math.Clamp(trainRows / MinStepsPerEpoch, MinBatchSize, batch);
            string finding = $"{trainRows} training images in batches of {batch} give {steps} SGD step(s) per epoch (fewer than {MinStepsPerEpoch})";
            if (adapt)
            {
                warnings.Add(Text($"{finding}; BatchSize lowered to {smaller} ({trainRows / smaller} steps per epoch). Set AdaptToSmallData = false to keep {batch}."));
                batch = smaller;
            }
            else
            {
                warnings.Add(Text($"{finding}; the model may stay near chance level. A BatchSize of {smaller} would give {trainRows / smaller}."));
            }
            steps = trainRows / batch;
        }
        int trainEpochs = epochs;
        long total = (long)steps * epochs;
        if (total < MinTotalSteps)
        {
            int more = (MinTotalSteps + steps - 1) / steps;
            string finding = $"{epochs} epoch(s) of {steps} step(s) are {total} SGD steps in all (fewer than {MinTotalSteps})";
            if (adapt)
            {
                warnings.Add(Text($"{finding}; Epoch raised to {more}. Set AdaptToSmallData = false to keep {epochs}."));
                trainEpochs = more;
            }
            else
            {
                warnings.Add(Text($"{finding}; the model may stay near chance level. An Epoch of {more} would give {MinTotalSteps}."));
            }
        }
        if (trainRows < MinTrainingImagesPerClass * classes)
            warnings.Add(Text($"Only {trainRows} training images for {classes} classes (fewer than {MinTrainingImagesPerClass} per class): expect low accuracy on new images."));
        if (validationRows > 0 && validationRows < MinValidationImagesPerClass * classes)
            warnings.Add(Text($"The validation data have {validationRows} images for {classes} classes (fewer than {MinValidationImagesPerClass} per class), so the best epoch is picked on noise; pass a larger ValidationSet or ValidationSetFraction."));
        return new TrainingSchedule(batch, trainEpochs, warnings);
    }

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>What the final training runs with after <see cref="SmallDataRule"/>.</summary>
internal sealed record TrainingSchedule(int BatchSize, int Epochs, IReadOnlyList<string> Warnings);
