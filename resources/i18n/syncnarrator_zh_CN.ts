<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name></name>
    <message>
        <source>Videos and projects</source>
        <translation>视频和项目</translation>
    </message>
    <message>
        <source>All files</source>
        <translation>所有文件</translation>
    </message>
    <message>
        <source>SyncNarrator projects</source>
        <translation>SyncNarrator 项目</translation>
    </message>
    <message>
        <source>{file}: not a video file</source>
        <translation>{file}：不是视频文件</translation>
    </message>
    <message>
        <source>{file}: no such file</source>
        <translation>{file}：文件不存在</translation>
    </message>
    <message>
        <source>{file}: is a folder, not a video or project</source>
        <translation>{file}：这是文件夹，不是视频或项目</translation>
    </message>
    <message>
        <source>{file}: not a video or SyncNarrator project</source>
        <translation>{file}：不是视频或 SyncNarrator 项目</translation>
    </message>
    <message>
        <source>{file}: the video is missing</source>
        <translation>{file}：找不到视频</translation>
    </message>
    <message>
        <source>{file}: the file is empty (0 bytes)</source>
        <translation>{file}：文件是空的（0 字节）</translation>
    </message>
    <message>
        <source>{file}: a voice pack is a .npy or .pt file</source>
        <translation>{file}：声音包应是 .npy 或 .pt 文件</translation>
    </message>
    <message>
        <source>{file}: not a voice pack (a style file of the neural voice)</source>
        <translation>{file}：不是声音包（神经语音的音色文件）</translation>
    </message>
    <message>
        <source>{file}: the voice pack cannot be read</source>
        <translation>{file}：无法读取这个声音包</translation>
    </message>
    <message>
        <source>the video cannot be read</source>
        <translation>无法读取这个视频</translation>
    </message>
    <message>
        <source>the project file cannot be used</source>
        <translation>项目文件无法使用</translation>
    </message>
    <message>
        <source>the export failed</source>
        <translation>导出失败</translation>
    </message>
    <message>
        <source>the file cannot be written</source>
        <translation>无法写入文件</translation>
    </message>
    <message>
        <source>the speech could not be made</source>
        <translation>语音合成失败</translation>
    </message>
    <message>
        <source>some lines do not fit their clips</source>
        <translation>有的文案放不进所在片段</translation>
    </message>
    <message>
        <source>the input cannot be used</source>
        <translation>输入的内容无法使用</translation>
    </message>
    <message>
        <source>{file}: {problem}</source>
        <translation>{file}：{problem}</translation>
    </message>
    <message>
        <source>no such file or folder</source>
        <translation>文件或文件夹不存在</translation>
    </message>
    <message>
        <source>permission denied</source>
        <translation>没有权限</translation>
    </message>
    <message>
        <source>the disk is full</source>
        <translation>磁盘已满</translation>
    </message>
    <message>
        <source>the disk is read-only</source>
        <translation>磁盘是只读的</translation>
    </message>
    <message>
        <source>is a folder</source>
        <translation>这是一个文件夹</translation>
    </message>
    <message>
        <source>internal error: {kind}</source>
        <translation>内部错误：{kind}</translation>
    </message>
    <message>
        <source>More in the log: Help ▸ Open log folder</source>
        <translation>更多信息见日志：帮助 ▸ 打开日志文件夹</translation>
    </message>
    <message>
        <source>The details are in the log: {path}</source>
        <translation>详细信息见日志：{path}</translation>
    </message>
    <message>
        <source>Damaged project</source>
        <translation>项目文件已损坏</translation>
    </message>
    <message>
        <source>Open previous save</source>
        <translation>打开上一次保存的版本</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>未保存的修改</translation>
    </message>
    <message>
        <source>Save the changes to {name}?</source>
        <translation>保存对“{name}”的修改吗？</translation>
    </message>
    <message>
        <source>Look in:</source>
        <translation>查找范围：</translation>
    </message>
    <message>
        <source>Files of type:</source>
        <translation>文件类型：</translation>
    </message>
    <message>
        <source>Open video or project</source>
        <translation>打开视频或项目</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>按键</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <source>Voices</source>
        <translation>配音</translation>
    </message>
    <message>
        <source>Speech by the espeak-ng engine (GPL-3.0) and, where bundled, the Kokoro-82M voice (Apache-2.0); see NOTICE.</source>
        <translation>语音由 espeak-ng 引擎（GPL-3.0）生成；若已附带，则使用 Kokoro-82M 声音（Apache-2.0）。详见 NOTICE。</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>The built-in writer is learned from the E-SyncVidStory dataset, published by Alibaba (2024) under the BSD-3-Clause licence (see NOTICE); no model is downloaded at run time.</source>
        <translation>内置文案从 E-SyncVidStory 数据集学习而来，该数据集由阿里巴巴（2024）以 BSD-3-Clause 许可证发布（详见 NOTICE）；运行时不会下载任何模型。</translation>
    </message>
    <message>
        <source>Fonts</source>
        <translation>字体</translation>
    </message>
    <message>
        <source>Noto Sans CJK (SIL Open Font License 1.1) for subtitles.</source>
        <translation>字幕使用思源黑体 Noto Sans CJK（SIL 开放字体许可证 1.1）。</translation>
    </message>
    <message>
        <source>Video</source>
        <translation>视频</translation>
    </message>
    <message>
        <source>The bundled ffmpeg build comes from imageio-ffmpeg (ffmpeg is LGPL/GPL). Its complete source code is available on request, and from https://ffmpeg.org and https://github.com/imageio/imageio-binaries, for at least three years.</source>
        <translation>附带的 ffmpeg 来自 imageio-ffmpeg（ffmpeg 采用 LGPL/GPL 许可）。我们在至少三年内按要求提供其完整源代码，也可从 https://ffmpeg.org 和 https://github.com/imageio/imageio-binaries 获取。</translation>
    </message>
    <message>
        <source>Interface</source>
        <translation>界面</translation>
    </message>
    <message>
        <source>Qt 6 and PySide6 (LGPL-3.0).</source>
        <translation>Qt 6 和 PySide6（LGPL-3.0）。</translation>
    </message>
    <message>
        <source>Offline narration for product videos.</source>
        <translation>离线为商品视频配旁白。</translation>
    </message>
    <message>
        <source>About SyncNarrator</source>
        <translation>关于 SyncNarrator</translation>
    </message>
    <message>
        <source>Saved as {name}</source>
        <translation>已保存为 {name}</translation>
    </message>
    <message>
        <source>Length: {seconds} s</source>
        <translation>时长：{seconds} 秒</translation>
    </message>
    <message numerus="yes">
        <source>%n lines spoken</source>
        <translation>
            <numerusform>已配音 %n 句</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n lines shortened to fit</source>
        <translation>
            <numerusform>%n 句已缩短以放得下</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n lines left silent (too long for their clip):</source>
        <translation>
            <numerusform>%n 句未配音（对片段来说太长）：</numerusform>
        </translation>
    </message>
    <message>
        <source>clip {number}</source>
        <translation>片段 {number}</translation>
    </message>
    <message>
        <source>Loudness: {lufs} LUFS</source>
        <translation>响度：{lufs} LUFS</translation>
    </message>
    <message numerus="yes">
        <source>%n warnings:</source>
        <translation>
            <numerusform>%n 条提醒：</numerusform>
        </translation>
    </message>
    <message>
        <source>Export finished</source>
        <translation>导出完成</translation>
    </message>
    <message>
        <source>Open folder</source>
        <translation>打开文件夹</translation>
    </message>
    <message>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <source>Export narrated video</source>
        <translation>导出配音视频</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Output file</source>
        <translation>输出文件</translation>
    </message>
    <message>
        <source>Preset</source>
        <translation>预设</translation>
    </message>
    <message>
        <source>Burn subtitles into the picture</source>
        <translation>字幕烧录到画面中</translation>
    </message>
    <message>
        <source>Subtitle track (can be switched off in players)</source>
        <translation>字幕轨（播放器中可关闭）</translation>
    </message>
    <message>
        <source>Also write an .srt file</source>
        <translation>同时生成 .srt 字幕文件</translation>
    </message>
    <message>
        <source>Level of the original sound while the narration speaks</source>
        <translation>旁白说话时原声的音量</translation>
    </message>
    <message>
        <source>Original audio under narration</source>
        <translation>旁白下的原声音量</translation>
    </message>
    <message>
        <source>Integrated loudness of the export; true peaks stay under -1 dBTP</source>
        <translation>导出文件的综合响度；真峰值始终低于 -1 dBTP</translation>
    </message>
    <message>
        <source>Loudness</source>
        <translation>响度</translation>
    </message>
    <message>
        <source>Same as the source</source>
        <translation>原始画质（与源视频相同）</translation>
    </message>
    <message>
        <source>1080p</source>
        <translation>1080p</translation>
    </message>
    <message>
        <source>720p</source>
        <translation>720p</translation>
    </message>
    <message>
        <source>-14 LUFS (short-video platforms)</source>
        <translation>-14 LUFS（短视频平台）</translation>
    </message>
    <message>
        <source>-16 LUFS (podcasts, some streaming)</source>
        <translation>-16 LUFS（播客、部分流媒体）</translation>
    </message>
    <message>
        <source>-23 LUFS (broadcast, EBU R128)</source>
        <translation>-23 LUFS（广播电视，EBU R128）</translation>
    </message>
    <message>
        <source>Lines too long for their clips</source>
        <translation>台词超出片段时长</translation>
    </message>
    <message numerus="yes">
        <source>%n line(s) cannot be spoken inside their clips even at the fastest allowed speed. Exported as they are, these clips would have no voice and no subtitle.</source>
        <translation>
            <numerusform>有 %n 句台词即使用允许的最快语速也无法在片段内说完。按原样导出，这些片段将没有配音和字幕。</numerusform>
        </translation>
    </message>
    <message>
        <source>Shorten with the narrator</source>
        <translation>让文案生成器改短</translation>
    </message>
    <message>
        <source>Export anyway, leaving them silent</source>
        <translation>仍然导出，这些片段不配音</translation>
    </message>
    <message>
        <source>clip {number} ({start}-{end}): the line needs {needs} s, the clip leaves {room} s</source>
        <translation>片段 {number}（{start}-{end}）：这句台词需要 {needs} 秒，片段只留出 {room} 秒</translation>
    </message>
    <message>
        <source>Shorter lines from the narrator</source>
        <translation>文案模型给出的较短台词</translation>
    </message>
    <message>
        <source>Tick the lines to replace. Lines you typed or locked are not ticked: your text is only replaced if you tick it.</source>
        <translation>勾选要替换的台词。你输入或锁定的台词默认不勾选：只有勾选后才会替换你的文字。</translation>
    </message>
    <message>
        <source>Use</source>
        <translation>使用</translation>
    </message>
    <message>
        <source>Your line</source>
        <translation>你的台词</translation>
    </message>
    <message>
        <source>Shorter line</source>
        <translation>较短台词</translation>
    </message>
    <message>
        <source>You typed or locked this line</source>
        <translation>这句台词是你输入或锁定的</translation>
    </message>
    <message>
        <source>(no shorter line fits this clip)</source>
        <translation>（没有能放进这个片段的较短台词）</translation>
    </message>
    <message>
        <source>Clip {number}</source>
        <translation>片段 {number}</translation>
    </message>
    <message>
        <source>(locked)</source>
        <translation>（已锁定）</translation>
    </message>
    <message>
        <source>Use the ticked lines and export</source>
        <translation>使用勾选的台词并导出</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>Export to</source>
        <translation>导出到</translation>
    </message>
    <message>
        <source>MP4 video</source>
        <translation>MP4 视频</translation>
    </message>
    <message>
        <source>reading video</source>
        <translation>读取视频</translation>
    </message>
    <message>
        <source>decoding</source>
        <translation>解码</translation>
    </message>
    <message>
        <source>analysing</source>
        <translation>分析</translation>
    </message>
    <message>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>encoding</source>
        <translation>编码</translation>
    </message>
    <message>
        <source>mixing narration</source>
        <translation>混合旁白</translation>
    </message>
    <message>
        <source>speech ready</source>
        <translation>语音就绪</translation>
    </message>
    <message>
        <source>loading model</source>
        <translation>加载模型</translation>
    </message>
    <message>
        <source>model loaded</source>
        <translation>模型已加载</translation>
    </message>
    <message>
        <source>narration done</source>
        <translation>文案完成</translation>
    </message>
    <message>
        <source>writing narration</source>
        <translation>撰写文案</translation>
    </message>
    <message>
        <source>narration written</source>
        <translation>文案已写好</translation>
    </message>
    <message>
        <source>looking at the clips</source>
        <translation>分析片段画面</translation>
    </message>
    <message>
        <source>thumbnails</source>
        <translation>缩略图</translation>
    </message>
    <message>
        <source>writing report</source>
        <translation>写入报告</translation>
    </message>
    <message>
        <source>checking the fit</source>
        <translation>检查时长</translation>
    </message>
    <message>
        <source>speaking</source>
        <translation>合成语音</translation>
    </message>
    <message>
        <source>finishing</source>
        <translation>收尾</translation>
    </message>
    <message>
        <source>lines fitted</source>
        <translation>文案已适配时长</translation>
    </message>
    <message>
        <source>refining</source>
        <translation>细化</translation>
    </message>
    <message>
        <source>writing the timeline</source>
        <translation>写入时间线</translation>
    </message>
    <message>
        <source>shortening lines</source>
        <translation>缩短文案</translation>
    </message>
    <message>
        <source>measuring loudness</source>
        <translation>测量响度</translation>
    </message>
    <message>
        <source>speaking clip {k}</source>
        <translation>合成第 {k} 段语音</translation>
    </message>
    <message>
        <source>speaking clip {k} of {n}</source>
        <translation>合成语音 {k}/{n}</translation>
    </message>
    <message>
        <source>fitting clip {k} of {n}</source>
        <translation>正在核对片段 {k}/{n}</translation>
    </message>
    <message>
        <source>fitting clip {k}</source>
        <translation>正在核对片段 {k}</translation>
    </message>
    <message>
        <source>narrating clip {k}</source>
        <translation>撰写第 {k} 段文案</translation>
    </message>
    <message>
        <source>narrating clip {k} of {n}</source>
        <translation>撰写文案 {k}/{n}</translation>
    </message>
    <message>
        <source>rewriting clip {k}</source>
        <translation>改写第 {k} 段文案</translation>
    </message>
    <message numerus="yes">
        <source>the product knowledge has only %n facts</source>
        <translation>
            <numerusform>商品信息只有 %n 条</numerusform>
        </translation>
    </message>
    <message>
        <source>the product has no name</source>
        <translation>商品没有名称</translation>
    </message>
    <message>
        <source>the product knowledge is empty</source>
        <translation>商品信息是空的</translation>
    </message>
    <message>
        <source>lines cannot name it</source>
        <translation>文案无法说出商品名</translation>
    </message>
    <message>
        <source>lines will be generic or repeat it (add selling points, materials, offers)</source>
        <translation>文案会很空泛或重复（请补充卖点、材质、优惠）</translation>
    </message>
    <message>
        <source>nothing usable (codes, fragments or noise): the lines leave it out</source>
        <translation>没有可用的内容（编号、碎片或杂乱文字）：文案不会用到它</translation>
    </message>
    <message>
        <source>: </source>
        <translation>：</translation>
    </message>
    <message>
        <source>Introduces the product: the speaker or a group recommends it.</source>
        <translation>引入商品，代表自己或群体推荐商品。</translation>
    </message>
    <message>
        <source>The problem, need or challenge faced before using the product.</source>
        <translation>描述使用商品之前面临的问题、需求或挑战。</translation>
    </message>
    <message>
        <source>Urges the viewer to buy, strongly: perks, price, discounts, promotions, gifts.</source>
        <translation>诱导或鼓励消费者购买，需要有较强的引导性，例如描述福利、价格、优惠、活动、赠品等。</translation>
    </message>
    <message>
        <source>How the product or its package looks (shape, size, colour, pattern, details); the cut, texture and embroidery of clothes.</source>
        <translation>描述商品的外观特征，包括商品本身或包装的外形、尺寸、颜色、图案、细节等；描述服饰类商品的款式设计，包括服饰的剪裁、纹理、绣花等。</translation>
    </message>
    <message>
        <source>The product&apos;s texture and feel, its ingredients or the materials it is made of.</source>
        <translation>描述商品的质地、触感、包含/加入的成分或制作的材料。</translation>
    </message>
    <message>
        <source>Using or trying the product in detail (make-up steps, applying skin care, wearing clothes), not just mentioning it.</source>
        <translation>详细地描述使用或体验商品的过程，包括化妆步骤、护肤品涂抹、护理用品洗漱、电子产品用法、家具试用、服饰穿戴中具体的行为动作，而不是简单提及。</translation>
    </message>
    <message>
        <source>What the product does and the effect or change it brings; how clothes look and feel when worn.</source>
        <translation>描述产品的功能和效果，使用商品后给用户带来的效果、变化或体验；描述服饰类商品的穿着效果、穿着感受、适合的场合等。</translation>
    </message>
    <message>
        <source>The product&apos;s quality or properties: durability, waterproofing, crease resistance and so on.</source>
        <translation>描述商品的质量或特性，包括耐用性、防水性、抗皱性等。</translation>
    </message>
    <message>
        <source>Shows quality appraisals, certificates of honour or assessments by an authority.</source>
        <translation>展示商品的质量鉴定、荣誉证书或权威机构的鉴定。</translation>
    </message>
    <message>
        <source>Shows the safety certifications and tests the product passed.</source>
        <translation>展示商品通过的安全认证和测试。</translation>
    </message>
    <message>
        <source>How the product is made in the factory.</source>
        <translation>描述商品的工厂制作流程。</translation>
    </message>
    <message>
        <source>Briefly, any other advantage, highlight or selling point.</source>
        <translation>简单介绍商品的其他优势、亮点、卖点。</translation>
    </message>
    <message>
        <source>No clip selected</source>
        <translation>未选中片段</translation>
    </message>
    <message>
        <source>Storyline</source>
        <translation>脚本类型</translation>
    </message>
    <message>
        <source>(storyline labels are not available in this build)</source>
        <translation>（此版本不含脚本类型标签）</translation>
    </message>
    <message>
        <source>Narration</source>
        <translation>旁白文案</translation>
    </message>
    <message>
        <source>One line of narration for this clip</source>
        <translation>为这个片段写一句旁白</translation>
    </message>
    <message>
        <source>Lock line</source>
        <translation>锁定文案</translation>
    </message>
    <message>
        <source>The narrator keeps a locked line when narrating again</source>
        <translation>重新生成文案时保留锁定的句子</translation>
    </message>
    <message>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <source>Use the next alternative line for this clip (R)</source>
        <translation>换成这个片段的下一句备选文案（R）</translation>
    </message>
    <message>
        <source>Play speech</source>
        <translation>试听语音</translation>
    </message>
    <message>
        <source>Alternatives</source>
        <translation>备选文案</translation>
    </message>
    <message>
        <source>Other lines</source>
        <translation>换一句</translation>
    </message>
    <message>
        <source>The narrator&apos;s best other lines that fit this clip: click one to use it</source>
        <translation>适合这个片段时长的其他候选文案：点击即可使用</translation>
    </message>
    <message>
        <source>{line}  ({count} characters)</source>
        <translation>{line}（{count} 字）</translation>
    </message>
    <message numerus="yes">
        <source>(+%n more selected)</source>
        <translation>
            <numerusform>（另选中 %n 个）</numerusform>
        </translation>
    </message>
    <message>
        <source>Clip {number} of {count}: {start} – {end} ({seconds} s)</source>
        <translation>片段 {number}/{count}：{start} – {end}（{seconds} 秒）</translation>
    </message>
    <message numerus="yes">
        <source>%n characters (budget {low}–{high})</source>
        <translation>
            <numerusform>%n 字（建议 {low}–{high} 字）</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n characters (clip too short to speak)</source>
        <translation>
            <numerusform>%n 字（片段太短，无法配音）</numerusform>
        </translation>
    </message>
    <message>
        <source>needs {needs} s even spoken fastest; room {room} s of the {clip} s clip</source>
        <translation>即使最快朗读也需 {needs} 秒；{clip} 秒的片段只留 {room} 秒</translation>
    </message>
    <message>
        <source>speech ≈{speech} s; room {room} s of the {clip} s clip</source>
        <translation>语音约 {speech} 秒；{clip} 秒的片段中可用 {room} 秒</translation>
    </message>
    <message>
        <source>Too long: this line will not fit the clip</source>
        <translation>太长：这句放不进这个片段</translation>
    </message>
    <message>
        <source>Tight: it will be spoken a little faster to fit</source>
        <translation>偏紧：会稍微加快语速以放得下</translation>
    </message>
    <message>
        <source>Short: the clip will have some silence</source>
        <translation>偏短：片段中会有一些静音</translation>
    </message>
    <message>
        <source>Fits</source>
        <translation>合适</translation>
    </message>
    <message>
        <source>Change storyline</source>
        <translation>更改脚本类型</translation>
    </message>
    <message>
        <source>Unlock line</source>
        <translation>解锁文案</translation>
    </message>
    <message>
        <source>Edit narration</source>
        <translation>编辑文案</translation>
    </message>
    <message>
        <source>Clip</source>
        <translation>片段</translation>
    </message>
    <message>
        <source>Product</source>
        <translation>商品</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Speech stopped; it resumes when you edit a line or play one</source>
        <translation>语音合成已停止；编辑或试听台词时会继续</translation>
    </message>
    <message>
        <source>&amp;Open…</source>
        <translation>打开(&amp;O)…</translation>
    </message>
    <message>
        <source>Open a video or project</source>
        <translation>打开视频或项目</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <source>Save &amp;As…</source>
        <translation>另存为(&amp;A)…</translation>
    </message>
    <message>
        <source>&amp;Export…</source>
        <translation>导出(&amp;E)…</translation>
    </message>
    <message>
        <source>Export the narrated video</source>
        <translation>导出配好旁白的视频</translation>
    </message>
    <message>
        <source>Export &amp;timeline…</source>
        <translation>导出时间线(&amp;T)…</translation>
    </message>
    <message>
        <source>OpenTimelineIO timeline for other editors (Resolve, Premiere, Final Cut)</source>
        <translation>OpenTimelineIO 时间线，供其他剪辑软件使用（Resolve、Premiere、Final Cut）</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Split at playhead</source>
        <translation>在播放头处分割(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Merge with next</source>
        <translation>与下一段合并(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;Clear line</source>
        <translation>清除文案(&amp;C)</translation>
    </message>
    <message>
        <source>Remove the narration of the selected clips</source>
        <translation>删除所选片段的旁白文案</translation>
    </message>
    <message>
        <source>Select &amp;all clips</source>
        <translation>选择全部片段(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Detect clips</source>
        <translation>识别片段(&amp;D)</translation>
    </message>
    <message>
        <source>Find the clips (shots) of the video</source>
        <translation>找出视频中的片段（镜头）</translation>
    </message>
    <message>
        <source>&amp;Narrate all</source>
        <translation>全部生成文案(&amp;N)</translation>
    </message>
    <message>
        <source>Write storyline and lines</source>
        <translation>生成脚本类型和文案</translation>
    </message>
    <message>
        <source>Narrate &amp;selected</source>
        <translation>为所选片段生成文案(&amp;S)</translation>
    </message>
    <message>
        <source>Re&amp;generate line</source>
        <translation>重新生成这一句(&amp;G)</translation>
    </message>
    <message>
        <source>Use the next alternative line for this clip</source>
        <translation>换成这个片段的下一句备选文案</translation>
    </message>
    <message>
        <source>S&amp;ynthesize speech</source>
        <translation>合成语音(&amp;Y)</translation>
    </message>
    <message>
        <source>Speak every line</source>
        <translation>为每句文案合成语音</translation>
    </message>
    <message>
        <source>&amp;Play / pause</source>
        <translation>播放/暂停(&amp;P)</translation>
    </message>
    <message>
        <source>Shuttle back</source>
        <translation>后退</translation>
    </message>
    <message>
        <source>Shuttle stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Shuttle forward</source>
        <translation>播放/快进</translation>
    </message>
    <message>
        <source>Previous frame</source>
        <translation>上一帧</translation>
    </message>
    <message>
        <source>Next frame</source>
        <translation>下一帧</translation>
    </message>
    <message>
        <source>Play selected clip</source>
        <translation>播放所选片段</translation>
    </message>
    <message>
        <source>Previous clip</source>
        <translation>上一个片段</translation>
    </message>
    <message>
        <source>Next clip</source>
        <translation>下一个片段</translation>
    </message>
    <message>
        <source>Go to start</source>
        <translation>跳到开头</translation>
    </message>
    <message>
        <source>Go to end</source>
        <translation>跳到结尾</translation>
    </message>
    <message>
        <source>Zoom &amp;in</source>
        <translation>放大(&amp;I)</translation>
    </message>
    <message>
        <source>Zoom &amp;out</source>
        <translation>缩小(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Fit timeline</source>
        <translation>时间线适应窗口(&amp;F)</translation>
    </message>
    <message>
        <source>Se&amp;ttings…</source>
        <translation>设置(&amp;T)…</translation>
    </message>
    <message>
        <source>Cancel job</source>
        <translation>取消任务</translation>
    </message>
    <message>
        <source>&amp;Keyboard shortcuts</source>
        <translation>键盘快捷键(&amp;K)</translation>
    </message>
    <message>
        <source>Open &amp;log folder</source>
        <translation>打开日志文件夹(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;About SyncNarrator</source>
        <translation>关于 SyncNarrator(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Narration</source>
        <translation>旁白(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>Detect</source>
        <translation>识别片段</translation>
    </message>
    <message>
        <source>Narrate</source>
        <translation>生成文案</translation>
    </message>
    <message>
        <source>Speak</source>
        <translation>合成语音</translation>
    </message>
    <message>
        <source>Split</source>
        <translation>分割</translation>
    </message>
    <message>
        <source>Merge</source>
        <translation>合并</translation>
    </message>
    <message>
        <source>Zoom in</source>
        <translation>放大</translation>
    </message>
    <message>
        <source>Zoom out</source>
        <translation>缩小</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>主工具栏</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>重做</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>Untitled</source>
        <translation>未命名</translation>
    </message>
    <message>
        <source>&amp;Undo {action}</source>
        <translation>撤销(&amp;U) {action}</translation>
    </message>
    <message>
        <source>&amp;Redo {action}</source>
        <translation>重做(&amp;R) {action}</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Opened the previous save of {name}: Save replaces the damaged file</source>
        <translation>已打开 {name} 上一次保存的版本：保存时会替换损坏的文件</translation>
    </message>
    <message>
        <source>Opened {name}</source>
        <translation>已打开 {name}</translation>
    </message>
    <message>
        <source>Reading video</source>
        <translation>读取视频</translation>
    </message>
    <message>
        <source>Open project</source>
        <translation>打开项目</translation>
    </message>
    <message>
        <source>Import product</source>
        <translation>导入商品信息</translation>
    </message>
    <message>
        <source>Product knowledge from {name}</source>
        <translation>已从 {name} 导入商品信息</translation>
    </message>
    <message>
        <source>Product knowledge</source>
        <translation>产品知识</translation>
    </message>
    <message>
        <source>Opened {name}: {width}×{height}, {seconds} s</source>
        <translation>已打开 {name}：{width}×{height}，{seconds} 秒</translation>
    </message>
    <message>
        <source>Video missing</source>
        <translation>找不到视频</translation>
    </message>
    <message>
        <source>{video}: the video is missing. Choose its new location?</source>
        <translation>{video}：找不到视频。要选择它的新位置吗？</translation>
    </message>
    <message>
        <source>{name}: video missing (File ▸ Open a project again to relink)</source>
        <translation>{name}：找不到视频（再次通过 文件 ▸ 打开 项目即可重新关联）</translation>
    </message>
    <message>
        <source>Locate the video</source>
        <translation>找到视频</translation>
    </message>
    <message>
        <source>Relink video</source>
        <translation>重新关联视频</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Saved {name}</source>
        <translation>已保存 {name}</translation>
    </message>
    <message>
        <source>Save project as</source>
        <translation>项目另存为</translation>
    </message>
    <message>
        <source>the line fits (speech ≈{speech} s, room {room} s)</source>
        <translation>文案合适（语音约 {speech} 秒，可用 {room} 秒）</translation>
    </message>
    <message>
        <source>the line is tight: it will be spoken a little faster (speech ≈{speech} s, room {room} s)</source>
        <translation>文案偏紧：会稍微加快语速（语音约 {speech} 秒，可用 {room} 秒）</translation>
    </message>
    <message>
        <source>the line is too long for the clip (speech ≈{speech} s, room {room} s)</source>
        <translation>文案太长，放不进这个片段（语音约 {speech} 秒，可用 {room} 秒）</translation>
    </message>
    <message>
        <source>no line</source>
        <translation>没有文案</translation>
    </message>
    <message>
        <source>Split clip</source>
        <translation>分割片段</translation>
    </message>
    <message>
        <source>The clip was split in two. Its line is locked (you wrote or locked it): rewrite the lines of both halves? No keeps it on the half where it fits and writes a new line for the other half.</source>
        <translation>片段已一分为二。它的文案已锁定（是你写的或锁定的）：要为两半各写一句新文案吗？选“否”则把原文案留在放得下的那一半，另一半写一句新文案。</translation>
    </message>
    <message>
        <source>The clip was split in two. Write a new line for each half? No keeps the line on the half where it fits and writes a new line for the other half.</source>
        <translation>片段已一分为二。要为两半各写一句新文案吗？选“否”则把原文案留在放得下的那一半，另一半写一句新文案。</translation>
    </message>
    <message numerus="yes">
        <source>Split clip: %n new lines</source>
        <translation>
            <numerusform>分割片段：%n 句新文案</numerusform>
        </translation>
    </message>
    <message>
        <source>Merge: there is no next clip to merge with</source>
        <translation>合并：后面没有可合并的片段</translation>
    </message>
    <message numerus="yes">
        <source>Merge %n clips</source>
        <translation>
            <numerusform>合并 %n 个片段</numerusform>
        </translation>
    </message>
    <message>
        <source>Merge with next clip</source>
        <translation>与下一段合并</translation>
    </message>
    <message>
        <source>Clip {number}: {fit}</source>
        <translation>片段 {number}：{fit}</translation>
    </message>
    <message>
        <source>Clear line</source>
        <translation>清除文案</translation>
    </message>
    <message numerus="yes">
        <source>%n of the lines are locked (you wrote or locked them). Clear them?</source>
        <translation>
            <numerusform>其中 %n 句文案已锁定（由你编写或锁定）。仍要清除吗？</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Clear %n lines</source>
        <translation>
            <numerusform>清除 %n 句文案</numerusform>
        </translation>
    </message>
    <message>
        <source>{job} is still running: wait for it or cancel it</source>
        <translation>“{job}”仍在进行：请等待完成或取消</translation>
    </message>
    <message>
        <source>{job}: cancelled</source>
        <translation>{job}：已取消</translation>
    </message>
    <message>
        <source>{job}: cancelling…</source>
        <translation>{job}：正在取消…</translation>
    </message>
    <message>
        <source>thumbnails {percent}%</source>
        <translation>缩略图 {percent}%</translation>
    </message>
    <message>
        <source>Open a video first</source>
        <translation>请先打开视频</translation>
    </message>
    <message>
        <source>Detect clips</source>
        <translation>识别片段</translation>
    </message>
    <message numerus="yes">
        <source>Detected %n clips</source>
        <translation>
            <numerusform>识别出 %n 个片段</numerusform>
        </translation>
    </message>
    <message>
        <source>Detecting clips</source>
        <translation>正在识别片段</translation>
    </message>
    <message>
        <source>Making the speech for clip {number}; it plays when ready</source>
        <translation>正在合成片段 {number} 的语音；合成好后立即播放</translation>
    </message>
    <message>
        <source>{what}: the clips changed while it ran; run it again</source>
        <translation>{what}：运行期间片段有变动，请重新运行</translation>
    </message>
    <message numerus="yes">
        <source>{what}: %n lines</source>
        <translation>
            <numerusform>{what}：%n 句</numerusform>
        </translation>
    </message>
    <message>
        <source>The product knowledge is thin: {warnings}.
The narrator can only say what the Product tab tells it; fill it in first for lines that are true to the product.

Narrate anyway?</source>
        <translation>商品信息不足：{warnings}。
文案只能依据“商品”页中的信息来写；先把信息补充完整，写出的文案才会符合商品实际。

仍然生成文案吗？</translation>
    </message>
    <message>
        <source>; </source>
        <translation>；</translation>
    </message>
    <message>
        <source>Narrate all</source>
        <translation>全部生成文案</translation>
    </message>
    <message>
        <source>Narrating</source>
        <translation>正在生成文案</translation>
    </message>
    <message>
        <source>Narrate selected</source>
        <translation>为所选片段生成文案</translation>
    </message>
    <message>
        <source>{what}: the selected lines are locked</source>
        <translation>{what}：所选文案已锁定</translation>
    </message>
    <message>
        <source>Writing lines</source>
        <translation>正在撰写文案</translation>
    </message>
    <message>
        <source>The narrator has no other line for this clip</source>
        <translation>这个片段暂时没有其他备选文案</translation>
    </message>
    <message>
        <source>Finding other lines</source>
        <translation>正在寻找备选文案</translation>
    </message>
    <message>
        <source>Replace line</source>
        <translation>替换文案</translation>
    </message>
    <message>
        <source>This line is locked (you wrote or locked it). Replace it?</source>
        <translation>这句文案已锁定（由你编写或锁定）。要替换吗？</translation>
    </message>
    <message>
        <source>Use another line</source>
        <translation>换一句</translation>
    </message>
    <message>
        <source>Regenerate line</source>
        <translation>重新生成这一句</translation>
    </message>
    <message>
        <source>The storyline changed. This line is locked (you wrote or locked it): rewrite it for the new storyline?</source>
        <translation>脚本类型已更改。这句文案已锁定（由你编写或锁定）：要按新的脚本类型改写吗？</translation>
    </message>
    <message>
        <source>The storyline changed: rewrite this line for the new storyline?</source>
        <translation>脚本类型已更改：要按新的脚本类型改写这句文案吗？</translation>
    </message>
    <message>
        <source>Rewrite line</source>
        <translation>改写文案</translation>
    </message>
    <message>
        <source>Narration synthesized: play to hear it</source>
        <translation>语音已合成：播放即可试听</translation>
    </message>
    <message>
        <source>Narration synthesized</source>
        <translation>语音已合成</translation>
    </message>
    <message>
        <source>Synthesizing speech</source>
        <translation>正在合成语音</translation>
    </message>
    <message>
        <source>This clip has no narration yet</source>
        <translation>这个片段还没有文案</translation>
    </message>
    <message>
        <source>Speech for clip {number}</source>
        <translation>片段 {number} 的语音</translation>
    </message>
    <message>
        <source>Export cancelled: some lines do not fit their clips</source>
        <translation>已取消导出：有台词超出片段时长</translation>
    </message>
    <message>
        <source>Shortening lines</source>
        <translation>正在改短台词</translation>
    </message>
    <message>
        <source>Shorten lines</source>
        <translation>改短台词</translation>
    </message>
    <message>
        <source>Exported {name}</source>
        <translation>已导出 {name}</translation>
    </message>
    <message numerus="yes">
        <source>(%n warnings: {first})</source>
        <translation>
            <numerusform>（%n 条提醒：{first}）</numerusform>
        </translation>
    </message>
    <message>
        <source>Exporting</source>
        <translation>正在导出</translation>
    </message>
    <message>
        <source>Export cancelled; {name} was not written</source>
        <translation>导出已取消；未写入 {name}</translation>
    </message>
    <message>
        <source>Export timeline</source>
        <translation>导出时间线</translation>
    </message>
    <message>
        <source>Exporting timeline</source>
        <translation>正在导出时间线</translation>
    </message>
    <message>
        <source>Speech settings</source>
        <translation>语音设置</translation>
    </message>
    <message>
        <source>The new language is used from the next start of SyncNarrator</source>
        <translation>新的界面语言将在下次启动 SyncNarrator 时生效</translation>
    </message>
    <message>
        <source> or </source>
        <translation> 或 </translation>
    </message>
    <message>
        <source>Log folder: {folder}</source>
        <translation>日志文件夹：{folder}</translation>
    </message>
    <message>
        <source>Recover work</source>
        <translation>恢复工作</translation>
    </message>
    <message>
        <source>SyncNarrator did not close properly. Recover {what}?</source>
        <translation>SyncNarrator 上次未正常关闭。要恢复 {what} 吗？</translation>
    </message>
    <message>
        <source>Recover</source>
        <translation>恢复</translation>
    </message>
    <message>
        <source>Recovered unsaved work; save it to keep it</source>
        <translation>已恢复未保存的工作；请保存以免丢失</translation>
    </message>
    <message>
        <source>Open a video (File ▸ Open, or drop it here)</source>
        <translation>打开视频（文件 ▸ 打开，或拖放到这里）</translation>
    </message>
    <message>
        <source>Previous frame (Left)</source>
        <translation>上一帧（←）</translation>
    </message>
    <message>
        <source>Play / pause (Space; J/K/L shuttle)</source>
        <translation>播放/暂停（空格；J/K/L 穿梭）</translation>
    </message>
    <message>
        <source>Next frame (Right)</source>
        <translation>下一帧（→）</translation>
    </message>
    <message>
        <source>Play clip</source>
        <translation>播放片段</translation>
    </message>
    <message>
        <source>Play the selected clip alone (Shift+Space)</source>
        <translation>只播放所选片段（Shift+空格）</translation>
    </message>
    <message>
        <source>video</source>
        <translation>视频</translation>
    </message>
    <message>
        <source>{name}: the preview cannot play it ({reason})</source>
        <translation>{name}：预览无法播放（{reason}）</translation>
    </message>
    <message>
        <source>unknown error</source>
        <translation>未知错误</translation>
    </message>
    <message>
        <source>No audio output device: the preview plays without sound (the export is not affected)</source>
        <translation>没有音频输出设备：预览将无声播放（不影响导出）</translation>
    </message>
    <message>
        <source>Product name</source>
        <translation>商品名称</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>What the narration calls the product (brand + type). Leave empty to use the name shown in grey.</source>
        <translation>旁白里对商品的称呼（品牌 + 品类）。留空则使用灰色显示的名称。</translation>
    </message>
    <message>
        <source>Spoken name</source>
        <translation>口播名称</translation>
    </message>
    <message>
        <source>values separated by 、</source>
        <translation>多个值用“、”分隔</translation>
    </message>
    <message>
        <source>Other keys</source>
        <translation>其他信息</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>项目</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>内容</translation>
    </message>
    <message>
        <source>Add key</source>
        <translation>添加一项</translation>
    </message>
    <message>
        <source>Paste a block of “key：value” lines to fill the fields:</source>
        <translation>粘贴多行“项目：内容”即可自动填写：</translation>
    </message>
    <message>
        <source>Fill from text</source>
        <translation>从文本填写</translation>
    </message>
    <message>
        <source>The product knowledge is thin: {warnings}. The narrator says only what is written here: add facts (功效, 成分, 活动优惠…) for true lines.</source>
        <translation>商品信息不足：{warnings}。文案只会说这里写明的内容：请补充功效、成分、活动优惠等信息，文案才会真实可信。</translation>
    </message>
    <message>
        <source>brand + product type, e.g. 美的空气炸锅</source>
        <translation>品牌 + 品类，例如 美的空气炸锅</translation>
    </message>
    <message>
        <source>Edit product</source>
        <translation>编辑商品信息</translation>
    </message>
    <message>
        <source>Nothing to fill: write one “key：value” per line</source>
        <translation>没有可填写的内容：每行写一条“项目：内容”</translation>
    </message>
    <message>
        <source>Fill product from text</source>
        <translation>从文本填写商品信息</translation>
    </message>
    <message>
        <source>an unsaved project</source>
        <translation>一个未保存的项目</translation>
    </message>
    <message>
        <source>{name}, saved for recovery at {time}</source>
        <translation>{name}（{time} 保存的恢复数据）</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>(default Chinese voice)</source>
        <translation>（默认中文声音）</translation>
    </message>
    <message>
        <source>Voice</source>
        <translation>声音</translation>
    </message>
    <message>
        <source>Add voice pack…</source>
        <translation>添加声音包…</translation>
    </message>
    <message>
        <source> characters/s</source>
        <translation> 字/秒</translation>
    </message>
    <message>
        <source>Budgets and synthesis assume this speaking rate</source>
        <translation>字数建议和语音合成都按这个语速计算</translation>
    </message>
    <message>
        <source>Speaking rate</source>
        <translation>语速</translation>
    </message>
    <message>
        <source>Narrator</source>
        <translation>文案生成</translation>
    </message>
    <message>
        <source>Built-in writer</source>
        <translation>内置文案</translation>
    </message>
    <message>
        <source>Local language model</source>
        <translation>本地大模型</translation>
    </message>
    <message>
        <source>A neural voice style file (.npy or .pt, e.g. a Mandarin zf_*/zm_* voice)</source>
        <translation>神经语音的音色文件（.npy 或 .pt，例如普通话 zf_*/zm_* 音色）</translation>
    </message>
    <message>
        <source>Built-in writer: works offline at once; local language model: a model from the folder below</source>
        <translation>内置文案：离线即用；本地大模型：使用下方文件夹中的模型</translation>
    </message>
    <message>
        <source>folder with the local language model</source>
        <translation>本地大模型所在的文件夹</translation>
    </message>
    <message>
        <source>Model folder</source>
        <translation>模型文件夹</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>The interface language; used from the next start</source>
        <translation>界面语言；下次启动时生效</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Add voice pack</source>
        <translation>添加声音包</translation>
    </message>
    <message>
        <source>Neural voice</source>
        <translation>神经语音</translation>
    </message>
    <message>
        <source>locked</source>
        <translation>已锁定</translation>
    </message>
    <message>
        <source>speech: waiting</source>
        <translation>语音：等待合成</translation>
    </message>
    <message>
        <source>speech: being made</source>
        <translation>语音：正在合成</translation>
    </message>
    <message>
        <source>speech: ready to play</source>
        <translation>语音：可以试听</translation>
    </message>
    <message>
        <source>speech: failed</source>
        <translation>语音：合成失败</translation>
    </message>
    <message>
        <source>{chars} characters (budget {low}–{high}), ≈{speech} s of {room} s</source>
        <translation>{chars} 字（建议 {low}–{high} 字），约 {speech} 秒 / 可用 {room} 秒</translation>
    </message>
    <message>
        <source>Clip {number}: {start}–{end} s</source>
        <translation>片段 {number}：{start}–{end} 秒</translation>
    </message>
    <message>
        <source>Boundary at {time}: clip {a} {a_seconds} s, clip {b} {b_seconds} s</source>
        <translation>分界点 {time}：片段 {a} {a_seconds} 秒，片段 {b} {b_seconds} 秒</translation>
    </message>
    <message>
        <source>Move clip boundary</source>
        <translation>移动片段分界</translation>
    </message>
    <message>
        <source>Open the Product tab</source>
        <translation>打开商品页</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>关闭提示</translation>
    </message>
    <message>
        <source>No product card for {name}: the narrator needs the product&apos;s name and selling points. Put {card} beside the video and open it again, or fill in the Product tab, then Narrate all (Ctrl+R).</source>
        <translation>{name} 没有商品卡：生成文案需要商品名称和卖点。把 {card} 放在视频旁边后重新打开，或在“商品”页填写，然后点“全部生成文案”（Ctrl+R）。</translation>
    </message>
    <message>
        <source>the playhead is not on a clip</source>
        <translation>播放头不在片段上</translation>
    </message>
    <message>
        <source>too close to a clip boundary to split</source>
        <translation>离片段边界太近，无法分割</translation>
    </message>
    <message>
        <source>there is no next clip to merge with</source>
        <translation>后面没有可合并的片段</translation>
    </message>
    <message>
        <source>Speaking clip {number} ({ready} of {total} ready)</source>
        <translation>正在合成片段 {number} 的语音（已完成 {ready}/{total}）</translation>
    </message>
    <message>
        <source>Speech for clip {number} failed: {error}</source>
        <translation>片段 {number} 的语音合成失败：{error}</translation>
    </message>
    <message>
        <source>Speaking</source>
        <translation>合成语音</translation>
    </message>
</context>
</TS>
