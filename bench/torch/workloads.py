"""The PyTorch peer of bench/workloads/*.mjs: the same shapes, ops, seeded weights and inputs, optimiser
and check values, in torch's natural NCHW layout. Each setup(cfg) returns (step, info, images); step()
returns the check value the TF.js side returns for the same work.
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

from seeded import he_uniform, uniform

# ---- VGG-16 blocks 1-4 (bench/workloads/vgg.mjs) ----
VGG_BLOCKS = [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512]]


def vgg_layers():
    layers, cin, k = [], 3, 0
    for b, block in enumerate(VGG_BLOCKS):
        for i, cout in enumerate(block):
            layers.append(dict(name=f'conv{b + 1}_{i + 1}', block=b, cin=cin, cout=cout, seed=100 + k))
            cin, k = cout, k + 1
    return layers


def conv_weight(seed, cin, cout):
    """Seeded [3, 3, cin, cout] (the TF.js layout) permuted to torch's [cout, cin, 3, 3]."""
    return he_uniform(9 * cin * cout, seed, 9 * cin).reshape(3, 3, cin, cout).permute(3, 2, 0, 1).contiguous()


def nchw(flat, n, size, c=3):
    """A seeded NHWC buffer as an NCHW tensor."""
    return flat.reshape(n, size, size, c).permute(0, 3, 1, 2).contiguous()


def make_vgg():
    return [dict(L, w=conv_weight(L['seed'], L['cin'], L['cout']), b=uniform(L['cout'], L['seed'] + 100, -0.01, 0.01))
            for L in vgg_layers()]


def vgg_forward(net, x, pool):
    out, h = {}, x
    for L in net:
        if L['block'] > 0 and L['name'].endswith('_1'):
            h = F.max_pool2d(h, 2) if pool == 'max' else F.avg_pool2d(h, 2)
        h = torch.relu(F.conv2d(h, L['w'], L['b'], padding=1))
        out[L['name']] = h
    return out


# ---- style step (bench/workloads/style.mjs) ----
STYLE_LAYERS = ['conv1_2', 'conv2_2', 'conv3_3', 'conv4_3']
CONTENT_LAYER = 'conv4_2'


def gram(f):
    _, c, h, w = f.shape
    m = f.reshape(c, h * w)
    return m @ m.t() / (h * w * c)


def setup_style(cfg):
    size = cfg['size']
    net = make_vgg()
    content = nchw(uniform(size * size * 3, 11), 1, size)
    style = nchw(uniform(size * size * 3, 12), 1, size)
    with torch.no_grad():
        c, s = vgg_forward(net, content, 'avg'), vgg_forward(net, style, 'avg')
        target_content = c[CONTENT_LAYER]
        target_gram = {n: gram(s[n]) for n in STYLE_LAYERS}
    img = content.clone().requires_grad_(True)
    opt = torch.optim.Adam([img], lr=0.02, betas=(0.9, 0.999), eps=1e-7)

    def step():
        opt.zero_grad(set_to_none=True)
        f = vgg_forward(net, img, 'avg')
        loss = ((f[CONTENT_LAYER] - target_content) ** 2).mean()
        for n in STYLE_LAYERS:
            loss = loss + 1e3 * ((gram(f[n]) - target_gram[n]) ** 2).mean()
        loss.backward()
        opt.step()
        return loss.item()
    return step, {}, 1


# ---- triplet step (bench/workloads/triplet.mjs) ----
ENCODER = [(32, 2, False), (64, 1, True), (128, 1, True), (256, 1, True), (256, 1, False)]
EMBEDDING, MARGIN, PER_ID = 128, 0.2, 4


def conv_same(x, w, stride):
    """TF's 'same' padding: when the total is odd the extra row/column goes after (bottom/right)."""
    size, k = x.shape[-1], w.shape[-1]
    out = -(-size // stride)
    total = max((out - 1) * stride + k - size, 0)
    before, after = total // 2, total - total // 2
    if before == after:
        return F.conv2d(x, w, stride=stride, padding=before)
    return F.conv2d(F.pad(x, (before, after, before, after)), w, stride=stride)


def batch_hard_loss(emb, labels):
    sq = (emb * emb).sum(1, keepdim=True)
    d = torch.sqrt(torch.relu(sq - 2 * (emb @ emb.t()) + sq.t()) + 1e-12)
    same = (labels[:, None] == labels[None, :]).float()
    hard_pos = (d * (same - torch.eye(len(labels)))).max(1).values
    hard_neg = (d + same * 1e6).min(1).values
    return torch.relu(hard_pos - hard_neg + MARGIN).mean()


def setup_triplet(cfg):
    batch, size = cfg['batch'], cfg['size']
    convs, cin = [], 3
    for i, (cout, stride, pool) in enumerate(ENCODER):
        convs.append(dict(w=conv_weight(300 + i, cin, cout).requires_grad_(True), stride=stride, pool=pool,
                          gamma=torch.ones(cout, requires_grad=True), beta=torch.zeros(cout, requires_grad=True)))
        cin = cout
    a = math.sqrt(3 / cin)
    dw = uniform(cin * EMBEDDING, 320, -a, a).reshape(cin, EMBEDDING).requires_grad_(True)
    db = torch.zeros(EMBEDDING, requires_grad=True)
    params = [t for c in convs for t in (c['w'], c['gamma'], c['beta'])] + [dw, db]
    x = nchw(uniform(batch * size * size * 3, 21), batch, size)
    labels = torch.arange(batch) // PER_ID
    opt = torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-7)

    def encode():
        h = x
        for c in convs:
            h = conv_same(h, c['w'], c['stride'])
            h = torch.relu(F.batch_norm(h, None, None, c['gamma'], c['beta'], training=True, eps=1e-3))
            if c['pool']:
                h = F.max_pool2d(h, 2)
        e = h.mean((2, 3)) @ dw + db
        return e / torch.sqrt((e * e).sum(1, keepdim=True) + 1e-10)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = batch_hard_loss(encode(), labels)
        loss.backward()
        opt.step()
        return loss.item()
    return step, {'parameters': sum(p.numel() for p in params)}, batch


# ---- activation sweep (bench/workloads/sweep.mjs) ----
SWEEP_LAYERS = ['conv1_2', 'conv2_2', 'conv3_3', 'conv4_3']


def setup_sweep(cfg):
    size, images, batch = cfg['size'], cfg['images'], cfg['batch']
    net = make_vgg()
    batches = [uniform(batch * size * size * 3, 1000 + i).reshape(batch, size, size, 3) for i in range(images // batch)]

    @torch.no_grad()
    def step():
        best = {}
        for bi, nhwc in enumerate(batches):
            f = vgg_forward(net, nhwc.permute(0, 3, 1, 2).contiguous(), 'max')
            for n in SWEEP_LAYERS:
                mx, pos = f[n].flatten(2).max(2)  # [b, c] each
                v, j = mx.max(0)  # best image of this batch per channel
                if n not in best:
                    best[n] = dict(value=v, image=j + bi * batch, pos=pos.gather(0, j[None])[0])
                else:
                    better = v > best[n]['value']
                    best[n]['value'] = torch.where(better, v, best[n]['value'])
                    best[n]['image'] = torch.where(better, j + bi * batch, best[n]['image'])
                    best[n]['pos'] = torch.where(better, pos.gather(0, j[None])[0], best[n]['pos'])
        return float(sum(best[n]['value'].double().sum() for n in SWEEP_LAYERS))
    return step, {}, images


# ---- top-activating patches (bench/workloads/toppatches.mjs) ----
TOPPATCHES_LAYERS = ['conv1_2', 'conv4_3']
TOPPATCHES_K = 9


def setup_toppatches(cfg):
    """The forward pass of convnet.activations.topPatches on the sweep's VGG and inputs, the per-unit max (and
    argmax) over positions per image, and the k strongest images per unit; no receptive-field crops."""
    size, images, batch = cfg['size'], cfg['images'], cfg['batch']
    net = make_vgg()
    batches = [uniform(batch * size * size * 3, 1000 + i).reshape(batch, size, size, 3) for i in range(images // batch)]

    @torch.no_grad()
    def step():
        per_image = {n: [] for n in TOPPATCHES_LAYERS}  # [b, c] maxima per batch
        for nhwc in batches:
            f = vgg_forward(net, nhwc.permute(0, 3, 1, 2).contiguous(), 'max')
            for n in TOPPATCHES_LAYERS:
                mx, _pos = f[n].flatten(2).max(2)
                per_image[n].append(mx)
        total = 0.0
        for n in TOPPATCHES_LAYERS:
            values = torch.cat(per_image[n])  # [images, c]
            top, _ = values.topk(min(TOPPATCHES_K, values.shape[0]), dim=0)
            total += float(top.double().sum())
        return total
    return step, {}, images


# ---- pairwise distances (bench/workloads/distances.mjs) ----
def setup_distances(cfg):
    n, d = cfg['n'], cfg['d']
    e = uniform(n * d, 31, -1, 1).reshape(n, d)

    @torch.no_grad()
    def step():
        sq = (e * e).sum(1, keepdim=True)
        dist = torch.sqrt(torch.relu(sq - 2 * (e @ e.t()) + sq.t()))
        return float(dist[1].double().mean())
    return step, {}, n


# ---- matmul (bench/workloads/matmul.mjs) ----
def setup_matmul(cfg):
    n = cfg['n']
    a = uniform(n * n, 41, -1, 1).reshape(n, n)
    b = uniform(n * n, 42, -1, 1).reshape(n, n)

    @torch.no_grad()
    def step():
        return float((a @ b)[0].double().sum())
    return step, {}, 0


class Skipped(Exception):
    pass


# ---- the pretrained face encoder (bench/workloads/face.mjs, src/lib/face/encoder.ts) ----
# dlib's ResNet as face-api ships it: the same weight files, dequantized the same way, so both sides compute
# the same embeddings and the check values agree.
FACE_MODEL = os.path.join(os.path.dirname(__file__), '..', '..', 'node_modules', '@vladmandic', 'face-api', 'model')
FACE_BLOCKS = ['conv32_1', 'conv32_2', 'conv32_3', 'conv64_down', 'conv64_1', 'conv64_2', 'conv64_3',
               'conv128_down', 'conv128_1', 'conv128_2', 'conv256_down', 'conv256_1', 'conv256_2', 'conv256_down_out']
FACE_MEAN_RGB = [122.782, 117.001, 104.298]
FACE_SIZE = 150


def read_face_weights():
    """face-api's manifest + .bin: uint8/uint16 affine-quantized (q * scale + min) or float32 as stored."""
    with open(os.path.join(FACE_MODEL, 'face_recognition_model-weights_manifest.json')) as f:
        manifest = json.load(f)
    weights = {}
    for group in manifest:
        buf = b''.join(open(os.path.join(FACE_MODEL, p), 'rb').read() for p in group['paths'])
        offset = 0
        for w in group['weights']:
            size = int(np.prod(w['shape']))
            q = w.get('quantization')
            if q is None:
                values = np.frombuffer(buf, dtype='<f4', count=size, offset=offset).astype(np.float32)
                offset += size * 4
            else:
                dtype = {'uint8': np.uint8, 'uint16': '<u2'}[q['dtype']]
                raw = np.frombuffer(buf, dtype=dtype, count=size, offset=offset)
                values = (raw.astype(np.float64) * q['scale'] + q['min']).astype(np.float32)
                offset += size * np.dtype(dtype).itemsize
            weights[w['name']] = torch.from_numpy(values.reshape(w['shape']).copy())
    # Filters [h, w, in, out] (TF.js) -> [out, in, h, w] (torch).
    return {k: (v.permute(3, 2, 0, 1).contiguous() if k.endswith('/filters') else v) for k, v in weights.items()}


def face_conv(x, w, prefix, stride, relu, padding):
    out = F.conv2d(x, w[prefix + '/conv/filters'], w[prefix + '/conv/bias'], stride=stride, padding=padding)
    out = out * w[prefix + '/scale/weights'][None, :, None, None] + w[prefix + '/scale/biases'][None, :, None, None]
    return torch.relu(out) if relu else out


def face_residual(x, w, block):
    down = block.endswith('_down') or block.endswith('_down_out')
    out = face_conv(x, w, block + '/conv1', 2 if down else 1, True, 0 if down else 1)
    out = face_conv(out, w, block + '/conv2', 1, False, 1)
    shortcut = x
    if down:
        shortcut = F.avg_pool2d(x, 2, 2)
        pc, ph, pw = shortcut.shape[1:]
        oc, oh, ow = out.shape[1:]
        if pc != oc:
            shortcut = F.pad(shortcut, (0, 0, 0, 0, 0, oc - pc))
        if (ph, pw) != (oh, ow):
            out = F.pad(out, (0, pw - ow, 0, ph - oh))
    return torch.relu(out + shortcut)


def setup_face(cfg):
    batch = cfg['batch']
    if not os.path.exists(FACE_MODEL):
        raise Skipped(f'no face-api weights at {FACE_MODEL} (run npm ci)')
    w = read_face_weights()
    # The TF.js side's input: seeded 0..255 pixels, NHWC, 150x150 (no resize, no alignment).
    x = nchw(uniform(batch * FACE_SIZE * FACE_SIZE * 3, 51) * 255, batch, FACE_SIZE)
    mean = torch.tensor(FACE_MEAN_RGB)[None, :, None, None]

    def step():
        with torch.no_grad():
            out = face_conv((x - mean) / 255, w, 'conv32_down', 2, True, 0)
            out = F.max_pool2d(out, 3, 2)
            for block in FACE_BLOCKS:
                out = face_residual(out, w, block)
            e = out.mean((2, 3)) @ w['fc']
        return e[0, 0].item()
    return step, {'inputSize': FACE_SIZE, 'weights': 'face-api face_recognition_model'}, batch


# ---- style transfer with the shipped ResNet-50 (bench/workloads/styleResnet.mjs, src/lib/style/) ----
# The library's models/resnet50-style (Keras ImageNet ResNet-50 up to conv4_block1, batch norm folded, float16),
# its forward pass (src/lib/style/featureNets/resnet50.ts) and one Adam iteration of convnet.style.transfer with
# the 'course-tf1' preset and the network's default layers.
RESNET_MODEL = os.path.join(os.path.dirname(__file__), '..', '..', 'models', 'resnet50-style')
RESNET_STAGES = [(2, 3), (3, 4), (4, 1)]  # (stage, blocks) the shipped file holds
IMAGENET_MEAN_RGB = [123.68, 116.779, 103.939]
RESNET_LAYERS = ['conv1'] + [f'conv{s}_block{b}' for s, n in RESNET_STAGES for b in range(1, n + 1)]
RESNET_CONTENT_LAYER = 'conv3_block4'
RESNET_STYLE_LAYERS = [('conv1', 0.25), ('conv2_block3', 0.25), ('conv3_block4', 0.25), ('conv4_block1', 0.25)]
STYLE_RESNET = dict(alpha=10, beta=40, lr=2.0, betas=(0.9, 0.999), eps=1e-8, noise_ratio=0.6, noise_amplitude=20,
                    seeds=dict(content=61, style=62, noise=63))


def read_resnet_weights(folder=RESNET_MODEL):
    """manifest.json + weights.bin (float16, little-endian, tensors at byte offsets) as float32 torch tensors
    (float16 -> float32 is exact, as the library's decoder); kernels [kh, kw, in, out] -> [out, in, kh, kw]."""
    with open(os.path.join(folder, 'manifest.json')) as f:
        manifest = json.load(f)
    if manifest.get('format') != 'convnet-notebooks/derived-weights@1' or manifest.get('dtype') != 'float16':
        raise ValueError(f'{folder}/manifest.json is not a convnet-notebooks float16 derived-weights manifest')
    buf = open(os.path.join(folder, 'weights.bin'), 'rb').read()
    if len(buf) != manifest['byteLength']:
        raise ValueError(f'{folder}/weights.bin has {len(buf)} bytes, the manifest says {manifest["byteLength"]} (Git LFS?)')
    weights = {}
    for t in manifest['tensors']:
        values = np.frombuffer(buf, dtype='<f2', count=t['length'], offset=t['offset']).astype(np.float32)
        w = torch.from_numpy(values.reshape(t['shape']).copy())
        weights[t['name']] = w.permute(3, 2, 0, 1).contiguous() if t['name'].endswith('/kernel') else w
    return weights


def resnet_forward(w, x, layers):
    """resnet50.ts's forward pass on RGB 0..255 images [n, 3, h, w], up to the deepest of `layers`."""
    out, deepest = {}, max(RESNET_LAYERS.index(l) for l in layers)
    h = x - torch.tensor(IMAGENET_MEAN_RGB)[None, :, None, None]
    # conv1 expects Keras' BGR: its input channels reversed read RGB. Keras pads 3, then 7x7/2 'valid'.
    h = torch.relu(F.conv2d(F.pad(h, (3, 3, 3, 3)), w['conv1/kernel'].flip(1), w['conv1/bias'], stride=2))
    out['conv1'], k = h, 0
    for stage, blocks in RESNET_STAGES:
        for b in range(1, blocks + 1):
            k += 1
            if k > deepest:
                return {l: out[l] for l in layers}
            name = f'conv{stage}_block{b}'
            if stage == 2 and b == 1:  # the stem pool: zero padding 1, 3x3/2 'valid' max
                h = F.max_pool2d(F.pad(h, (1, 1, 1, 1)), 3, 2)
            # stride 2 (first block of stages 3-4) as 1x1 convs of every other pixel (= 'valid' 1x1/2)
            inp = h[:, :, ::2, ::2] if b == 1 and stage > 2 else h

            def conv(t, part, padding=0):
                return F.conv2d(t, w[f'{name}/{part}/kernel'], w[f'{name}/{part}/bias'], padding=padding)
            branch = torch.relu(conv(inp, '1_conv'))
            branch = torch.relu(conv(branch, '2_conv', padding=1))  # 3x3 'same', stride 1
            branch = conv(branch, '3_conv')
            shortcut = conv(inp, '0_conv') if f'{name}/0_conv/kernel' in w else h
            h = torch.relu(branch + shortcut)
            out[name] = h
    return {l: out[l] for l in layers}


def course_content_cost(a_c, a_g):
    """J_content = sum((aC - aG)^2) / (4 nH nW nC) (src/lib/style/costs.ts)."""
    _, c, h, w = a_c.shape
    return ((a_c - a_g) ** 2).sum() / (4 * h * w * c)


def unrolled(a):
    """[1, nC, nH, nW] -> A = [nC, nH nW] (src/lib/style/costs.ts unrollActivations, in NCHW)."""
    _, c, h, w = a.shape
    return a.reshape(c, h * w)


def course_style_cost_from_gram(g_s, a_g):
    """J_style^[l] from the style image's Gram (layerStyleCostFromGram): sum((GS - GG)^2) / (2 nH nW nC)^2."""
    _, c, h, w = a_g.shape
    gg = unrolled(a_g) @ unrolled(a_g).t()
    return ((g_s - gg) ** 2).sum() / (2 * h * w * c) ** 2


def style_resnet_images(size):
    """styleResnet.mjs's seededImages: C, S and the start G, RGB 0..255, as NCHW tensors (float64 maths, one
    rounding to float32, so they are bit for bit the TF.js side's)."""
    cfg, n = STYLE_RESNET, size * size * 3
    content = uniform(n, cfg['seeds']['content'], 0, 255)
    style = uniform(n, cfg['seeds']['style'], 0, 255)
    noise = uniform(n, cfg['seeds']['noise'], -cfg['noise_amplitude'], cfg['noise_amplitude'])
    center = np.tile(np.array(IMAGENET_MEAN_RGB, dtype=np.float64), size * size)
    r = cfg['noise_ratio']
    g = (1 - r) * content.numpy().astype(np.float64) + r * (noise.numpy().astype(np.float64) + center)
    start = torch.from_numpy(np.clip(g, 0, 255).astype(np.float32))
    return nchw(content, 1, size), nchw(style, 1, size), nchw(start, 1, size)


def setup_style_resnet(cfg):
    size, p = cfg['size'], STYLE_RESNET
    w = read_resnet_weights()
    content, style, start = style_resnet_images(size)
    style_names = [l for l, _ in RESNET_STYLE_LAYERS]
    layers = list(dict.fromkeys([RESNET_CONTENT_LAYER] + style_names))
    with torch.no_grad():
        target_content = resnet_forward(w, content, [RESNET_CONTENT_LAYER])[RESNET_CONTENT_LAYER]
        # As style.styleObjective does: the Grams of a(S) once, at set-up.
        style_acts = resnet_forward(w, style, style_names)
        style_grams = {l: unrolled(a) @ unrolled(a).t() for l, a in style_acts.items()}
    img = start.clone().requires_grad_(True)
    opt = torch.optim.Adam([img], lr=p['lr'], betas=p['betas'], eps=p['eps'])

    def step():
        opt.zero_grad(set_to_none=True)
        acts = resnet_forward(w, img, layers)
        j_content = course_content_cost(target_content, acts[RESNET_CONTENT_LAYER])
        j_style = sum(weight * course_style_cost_from_gram(style_grams[l], acts[l]) for l, weight in RESNET_STYLE_LAYERS)
        total = p['alpha'] * j_content + p['beta'] * j_style
        total.backward()
        opt.step()
        with torch.no_grad():
            img.clamp_(0, 255)
        return total.item()
    return step, {'weights': 'models/resnet50-style (float16)', 'contentLayer': RESNET_CONTENT_LAYER}, 1


SETUP = dict(style=setup_style, styleResnet=setup_style_resnet, triplet=setup_triplet, sweep=setup_sweep, toppatches=setup_toppatches, face=setup_face,
             distances=setup_distances, matmul=setup_matmul)
