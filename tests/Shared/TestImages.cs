using GaNas.Data;
using StbImageWriteSharp;

namespace GaNas.Tests;

/// <summary>Encodes test images (PNG, JPEG, BMP) with StbImageWriteSharp; production code only decodes.</summary>
public static class TestImages
{
    public static byte[] Png(DecodedImage image) => Encode(image, (w, s) => w.WritePng(image.Pixels, image.Width, image.Height, Components(image), s));

    public static byte[] Jpeg(DecodedImage image, int quality = 95) => Encode(image, (w, s) => w.WriteJpg(image.Pixels, image.Width, image.Height, Components(image), s, quality));

    public static byte[] Bmp(DecodedImage image) => Encode(image, (w, s) => w.WriteBmp(image.Pixels, image.Width, image.Height, Components(image), s));

    private static ColorComponents Components(DecodedImage image) => image.Channels == 1 ? ColorComponents.Grey : ColorComponents.RedGreenBlue;

    private static byte[] Encode(DecodedImage image, Action<ImageWriter, Stream> write)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var stream = new MemoryStream();
        write(new ImageWriter(), stream);
        return stream.ToArray();
    }
}
